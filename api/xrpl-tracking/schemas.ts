/** Schemas and views shared by the XRPL routes: addresses, hashes, stored payments and their cursors. */
import { z } from '@hono/zod-openapi';
import { isValidClassicAddress } from 'xrpl';
import type { StoredPayment } from '../../services/xrpl-tracking/payments-store.js';
import { TES_SUCCESS, XRP_SCALE } from '../../domain/xrpl-tracking/payments.js';
import { CLASSIC_ADDRESS, PAYMENT_POSITION, paymentPlace, paymentPosition } from '../../domain/xrpl-tracking/positions.js';
import { money } from '../http/money.js';
import { decodeCursor, pageBody } from '../http/pages.js';
import { PageOf } from '../http/schemas.js';

export const XrplAddress = z
  .string()
  .regex(CLASSIC_ADDRESS, { message: 'must be a classic XRPL address (r…)', abort: true })
  .refine(isValidClassicAddress, 'must be a classic XRPL address (r…) with a valid checksum')
  .openapi({ example: 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe' });

export const TransactionHash = z
  .string()
  .regex(/^[0-9A-Fa-f]{64}$/, 'must be a transaction hash (64 hexadecimal characters)')
  .transform((hash) => hash.toUpperCase())
  .openapi({ example: 'A0A074D10355223CBE2520A42F93A52E3CC8B4D692570EB4841084F9BBB39F7A' });

const DeliveredAmountView = z
  .object({
    currency: z.string().nullable().openapi({ description: 'XRP, an issued currency code, or null for an MPT' }),
    issuer: z.string().nullable(),
    mpt_issuance_id: z.string().nullable(),
    value: z
      .string()
      .openapi({ description: 'Decimal string: XRP in XRP (6 decimals); issued currencies exactly as the ledger gives them' }),
  })
  .openapi('XrplDeliveredAmount', {
    description:
      'What arrived, never what was asked for: meta.delivered_amount (for an escrow finished or a channel claimed, the rise of the receiver’s balance)',
  });

export const PaymentView = z
  .object({
    hash: z.string(),
    ledger_index: z.number().int(),
    transaction_index: z.number().int(),
    close_time: z.string(),
    source: z.string(),
    destination: z.string(),
    destination_tag: z.string().nullable(),
    source_tag: z.string().nullable(),
    result: z.string(),
    received: z.boolean().openapi({ description: 'tesSUCCESS: only these moved money' }),
    partial: z.boolean().openapi({ description: 'tfPartialPayment was set: delivered_amount may be less than the amount sent' }),
    delivered_amount: DeliveredAmountView.nullable(),
    deposit: z
      .object({
        status: z.enum(['matched', 'unknown_tag', 'missing_tag', 'not_xrp', 'unknown_amount']),
        deposit_id: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: 'For payments to a deposit address: matched to a user, or why not' }),
  })
  .openapi('XrplPayment');

export const PaymentPage = PageOf(PaymentView);

export function paymentView(p: StoredPayment): z.infer<typeof PaymentView> {
  const d = p.delivered;
  return {
    hash: p.hash,
    ledger_index: p.ledgerIndex,
    transaction_index: p.transactionIndex,
    close_time: p.closeTime.toISOString(),
    source: p.source,
    destination: p.destination,
    destination_tag: p.destinationTag?.toString() ?? null,
    source_tag: p.sourceTag?.toString() ?? null,
    result: p.result,
    received: p.result === TES_SUCCESS,
    partial: p.partial,
    delivered_amount:
      d === null
        ? null
        : d.kind === 'xrp'
          ? { currency: 'XRP', issuer: null, mpt_issuance_id: null, value: money(d.drops, { scale: XRP_SCALE }) }
          : d.kind === 'issued'
            ? { currency: d.currency, issuer: d.issuer, mpt_issuance_id: null, value: d.value }
            : { currency: null, issuer: null, mpt_issuance_id: d.mptIssuanceId, value: d.value },
    deposit: p.depositStatus === null ? null : { status: p.depositStatus, deposit_id: p.depositId },
  };
}

/** Pages of payments newest first; the cursor is a position in ledger order. */
export function paymentPage(rows: StoredPayment[], limit: number) {
  return pageBody(rows, limit, paymentPosition, paymentView);
}

export const paymentCursor = (cursor: string | undefined) => paymentPlace(decodeCursor(cursor, PAYMENT_POSITION));
