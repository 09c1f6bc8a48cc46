/** A user's deposit address per currency, and their deposits on every network. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { checkAddress } from '../../chains/addresses.js';
import { depositById, depositsOfUser, type Deposit } from '../../services/deposits/store.js';
import { whyNotCancellable } from '../../domain/deposits/cancel.js';
import { isEvmChain } from '../../domain/deposits/credit.js';
import { DEPOSIT_SETTINGS } from '../../domain/deposits/settings.js';
import { confirmationsOf } from '../../services/deposits/evm-observations.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireCurrency } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError, found } from '../http/problem.js';
import { CurrencyCode, jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const AddressView = z
  .object({ currency: z.string(), chain: z.string(), address: z.string(), destination_tag: z.string().nullable() })
  .openapi('DepositAddress', { description: 'Send only this currency here; on XRPL include the destination tag' });

const DepositView = z
  .object({
    id: z.string(),
    currency: z.string(),
    amount: z.string(),
    chain: z.string(),
    tx_hash: z.string(),
    address: z.string(),
    destination_tag: z.string().nullable(),
    status: z.enum(['pending', 'held', 'credited', 'dropped']),
    hold_reason: z.enum(['below_minimum', 'deposits_disabled', 'above_maximum']).nullable().openapi({
      description:
        'Why a held deposit is kept, not credited yet: below the minimum it is credited with the next deposit that makes it up',
    }),
    fee: z.string().nullable().openapi({ description: 'The deposit fee charged when it was credited' }),
    detected_at: z.string(),
    credited_at: z.string().nullable(),
    confirmations: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'EVM: blocks seen on top of the deposit, its own included' }),
  })
  .openapi('Deposit');

export function depositRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/deposit/address',
      tags: ['deposits'],
      summary: "The caller's deposit address for a currency (stable across calls)",
      request: jsonBody(z.object({ currency: CurrencyCode })),
      responses: { 200: jsonResponse('Deposit address', AddressView), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const currency = await requireCurrency(deps.currencies, c.req.valid('json').currency);
      const provider = currency.network ? deps.depositAddresses[currency.network] : undefined;
      if (!provider || !currency.enabled) {
        throw new ApiError(ErrorCode.DepositsUnsupported, `deposits of ${currency.code} are not available`, [
          { path: 'currency', message: 'cannot be deposited' },
        ]);
      }
      const settings = await deps.operationSettings.resolve(
        DEPOSIT_SETTINGS,
        currency.code,
        await deps.users.principal(c.get('user').id),
      );
      if (!settings.addressesEnabled) {
        throw new ApiError(ErrorCode.DepositsUnsupported, `deposit addresses for ${currency.code} are not handed out now`, [
          { path: 'currency', message: 'addresses are disabled' },
        ]);
      }
      const address = await provider.addressFor(c.get('user').id, currency);
      return c.json(
        {
          currency: currency.code,
          chain: address.chain,
          address: address.address,
          destination_tag: address.destinationTag?.toString() ?? null,
        },
        200,
      );
    },
  );

  app.openapi(
    pageRoute(guards.user, {
      path: '/v1/deposits',
      tags: ['deposits'],
      summary: "The caller's deposits, newest first",
      filters: { currency: CurrencyCode.optional() },
      items: ['A page of deposits', DepositView],
    }),
    async (c) => {
      const { limit, cursor, currency } = c.req.valid('query');
      const rows = await depositsOfUser(deps.sql, c.get('user').id, {
        before: decodeCursor(cursor, Positions.serial),
        limit: limit + 1,
        currency,
      });
      const currencies = new Map((await deps.currencies.all()).map((cur) => [cur.code, cur]));
      const confirmations = await confirmationsOf(
        deps.sql,
        rows.slice(0, limit).map((d) => d.id),
      );
      const view = (d: (typeof rows)[number]) => ({
        id: d.id,
        currency: d.currency,
        amount: money(d.amount, currencies.get(d.currency)!),
        chain: d.chain,
        tx_hash: d.txHash,
        address: displayAddress(d.chain, d.address),
        destination_tag: d.destinationTag?.toString() ?? null,
        status: d.status,
        hold_reason: d.holdReason,
        fee: d.fee === null ? null : money(d.fee, currencies.get(d.currency)!),
        detected_at: d.detectedAt.toISOString(),
        credited_at: d.creditedAt?.toISOString() ?? null,
        confirmations: confirmations.get(d.id) ?? null,
      });
      return c.json(await pageBody(rows, limit, (d) => d.id, view), 200);
    },
  );
  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/deposits/{id}/cancel',
      tags: ['deposits'],
      summary: 'Cancel a deposit: refused for every on-chain deposit, with the reason',
      description:
        'Sluice takes only on-chain deposits, and a chain transaction cannot be called back at any stage, so this ' +
        "always answers 409 `deposit_not_cancellable` with the reason for the deposit's status and what to do " +
        'instead: a pending deposit awaits its confirmations; a held one is kept on its address until it is credited ' +
        '(with the next deposit that brings it to the minimum, or by an operator); a credited one is on your balance ' +
        "(withdraw it to send it back); a dropped one was never credited. Another user's deposit is a 404.",
      request: { params: z.object({ id: z.string().regex(/^[1-9][0-9]{0,18}$/) }) },
      responses: { ...problems(400, 401, 404, 409) },
    }),
    async (c) => {
      const mine = (d: Deposit) => d.userId === c.get('user').id && d.invoiceId === null;
      const deposit = found(await depositById(deps.sql, c.req.valid('param').id), 'no such deposit', mine);
      const reason = whyNotCancellable(deposit.status);
      throw new DomainError(ErrorCode.DepositNotCancellable, `deposit ${deposit.id} cannot be cancelled: ${reason}`, [
        { path: 'id', message: reason },
      ]);
    },
  );
}

/** EVM addresses are stored lower-case; users see them checksummed, as everywhere else. */
function displayAddress(chain: string, address: string): string {
  if (!isEvmChain(chain)) return address;
  const checked = checkAddress('evm', address);
  return checked.ok ? checked.address : address;
}
