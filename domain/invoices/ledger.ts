/**
 * An invoice's money story. Payments land on the invoice's own account (`invoice:<id>`), never on a user's. On
 * settlement each payment in another currency is exchanged: its conversion fee to `fees:<currency>`, the rest to the
 * invoice desk (`exchange:invoices`), which pays its worth back in the invoice's currency; then the merchant gets the
 * total less the invoice fee, and the fee goes to `fees:<invoice currency>`. A payment the invoice does not settle
 * with (late, partial, invalid) goes to the merchant as it was paid, in its own currency, for them to keep or refund.
 */
import { feeFor } from '../fees.js';
import { userAccountName, type TransferGroup, type TransferRequest } from '../ledger/engine.js';
import type { Disposal } from './assessment.js';
import { quoteOf } from './assessment.js';
import { valueOfPart } from './conversion.js';
import type { InvoiceFacts } from './facts.js';

export const invoiceAccount = (invoiceId: string) => `invoice:${invoiceId}`;
/** Takes in the paying currency and pays out the invoice's: its balances per currency are the invoices' conversions. */
export const INVOICE_DESK_ACCOUNT = 'exchange:invoices';

/**
 * The invoice fee on what was paid towards the invoice, rounded up: on all of a partial payment an operator settles,
 * on no more than the amount of an overpayment (its excess goes to the merchant without a fee, as late ones do).
 */
export function invoiceFee(paidValue: bigint, invoiceAmount: bigint, feePpm: bigint): bigint {
  return feeFor(paidValue < invoiceAmount ? paidValue : invoiceAmount, { fixed: 0n, ratePpm: feePpm });
}

export interface Disbursement {
  group: TransferGroup;
  /** What the settled payments were worth in the invoice's currency (0 when nothing settles). */
  settledValue: bigint;
  fee: bigint;
}

export function disbursementOf(facts: InvoiceFacts, disposals: Disposal[]): Disbursement {
  const account = invoiceAccount(facts.id);
  const merchant = userAccountName(facts.merchantId);
  const key = (step: string) => `invoice:${facts.id}:${step}`;
  const transfers: TransferRequest[] = [];
  const move = (step: string, debit: string, credit: string, currency: string, amount: bigint, type: string) => {
    if (amount > 0n)
      transfers.push({
        kind: 'posted',
        key: key(step),
        debit,
        credit,
        currency,
        amount,
        metadata: { type, invoice_id: facts.id },
      });
  };
  const amount = BigInt(facts.amount);
  let settledValue = 0n;
  // what the settled payments before this one paid in its currency: each part is valued as part of that total
  const settledIn = new Map<string, bigint>();
  for (const { paymentId, as } of disposals) {
    const payment = facts.payments.find((p) => p.id === paymentId)!;
    const paid = BigInt(payment.amount);
    if (as !== 'settlement') {
      move(`payment:${paymentId}:${as}`, account, merchant, payment.currency, paid, `invoice_${as}_payment`);
      continue;
    }
    if (payment.currency === facts.currency) {
      settledValue += paid;
      continue;
    }
    const quote = quoteOf(facts, payment.currency);
    if (!quote) throw new Error(`invoice ${facts.id} has no locked price for ${payment.currency}`);
    const before = settledIn.get(payment.currency) ?? 0n;
    settledIn.set(payment.currency, before + paid);
    const { value, conversionFee } = valueOfPart(before, paid, quote, amount);
    move(
      `payment:${paymentId}:conversion-fee`,
      account,
      `fees:${payment.currency}`,
      payment.currency,
      conversionFee,
      'invoice_conversion_fee',
    );
    move(
      `payment:${paymentId}:exchange-in`,
      account,
      INVOICE_DESK_ACCOUNT,
      payment.currency,
      paid - conversionFee,
      'invoice_exchange',
    );
    move(`payment:${paymentId}:exchange-out`, INVOICE_DESK_ACCOUNT, account, facts.currency, value, 'invoice_exchange');
    settledValue += value;
  }
  const settles = disposals.some((d) => d.as === 'settlement');
  const fee = settles ? invoiceFee(settledValue, amount, BigInt(facts.feePpm)) : 0n;
  if (settles) {
    move('settlement:fee', account, `fees:${facts.currency}`, facts.currency, fee, 'invoice_fee');
    move('settlement:merchant', account, merchant, facts.currency, settledValue - fee, 'invoice_settlement');
  }
  return { group: { transfers }, settledValue, fee };
}
