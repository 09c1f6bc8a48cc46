/** Withdrawals for users: request (funds held at once), confirm with the mailed code, cancel, follow. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { checkAddress } from '../../chains/addresses.js';
import type { Currency } from '../../domain/currencies.js';
import { ErrorCode } from '../../domain/errors.js';
import { approvalRequired, checkWithdrawalRules, withdrawalCounters, withdrawalFee } from '../../domain/withdrawals/rules.js';
import { holdGroup } from '../../domain/withdrawals/ledger.js';
import { WITHDRAWAL_STATUSES } from '../../domain/withdrawals/status.js';
import { commitGroups } from '../../services/ledger/journal.js';
import {
  addressUsedBefore,
  insertWithdrawal,
  listWithdrawals,
  withdrawalById,
  withdrawalByKey,
  withdrawalEvents,
  withdrawalSettings,
  type Withdrawal,
} from '../../services/withdrawals/store.js';
import { startWithdrawalWorkflow, updateWithdrawal } from '../../services/withdrawals/client.js';
import { cancelWithdrawalUpdate, confirmWithdrawalUpdate } from '../../workflows/withdrawals/messages.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { decodeCursor, page } from '../http/pages.js';
import { ApiError, invalidField } from '../http/problem.js';
import {
  BearerSecurity,
  CurrencyCode,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
  problems,
} from '../http/schemas.js';
import { ledgerRefusal } from '../transfers/routes.js';

const WithdrawalRequest = z
  .object({
    currency: CurrencyCode,
    amount: DecimalString,
    address: z.string().trim().min(1).max(128),
    destination_tag: z.number().int().min(0).max(4_294_967_295).optional().openapi({ description: 'XRPL only' }),
  })
  .openapi('WithdrawalRequest');

export const WithdrawalView = z
  .object({
    id: z.string(),
    status: z.enum(WITHDRAWAL_STATUSES),
    currency: z.string(),
    amount: z.string(),
    fee: z.string(),
    address: z.string(),
    destination_tag: z.string().nullable(),
    approval_required: z.boolean(),
    approval_reasons: z.array(z.string()),
    provider: z.string().nullable(),
    tx_hash: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    history: z
      .array(
        z.object({ status: z.string(), at: z.string(), actor: z.string().nullable(), detail: z.record(z.string(), z.unknown()) }),
      )
      .optional(),
  })
  .openapi('Withdrawal');

export async function withdrawalView(deps: ApiDeps, w: Withdrawal, withHistory: boolean) {
  const currency = (await deps.currencies.get(w.currency))!;
  const history = withHistory ? await withdrawalEvents(deps.sql, w.id) : undefined;
  return {
    id: w.id,
    status: w.status,
    currency: w.currency,
    amount: money(w.amount, currency),
    fee: money(w.fee, currency),
    address: w.address,
    destination_tag: w.destinationTag?.toString() ?? null,
    approval_required: w.approvalRequired,
    approval_reasons: w.approvalReasons,
    provider: w.providerId,
    tx_hash: w.txHash,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
    ...(history
      ? { history: history.map((e) => ({ status: e.status, at: e.at.toISOString(), actor: e.actor, detail: e.detail })) }
      : {}),
  };
}

const IdParam = z.object({ id: z.uuid() });

/** The caller's own withdrawal, or 404 (never reveal another user's). */
async function ownWithdrawal(deps: ApiDeps, userId: string, id: string): Promise<Withdrawal> {
  const w = await withdrawalById(deps.sql, id);
  if (!w || w.userId !== userId) throw new ApiError(ErrorCode.NotFound, 'no such withdrawal');
  return w;
}

function sameRequest(w: Withdrawal, currency: Currency, amount: bigint, address: string, tag: bigint | null): boolean {
  return (
    w.currency === currency.code &&
    w.amount === amount &&
    w.address.toLowerCase() === address.toLowerCase() &&
    w.destinationTag === tag
  );
}

export function withdrawalRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals',
      tags: ['withdrawals'],
      summary: 'Request a withdrawal: amount + fee are held now; a 6-digit code is mailed to confirm it',
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: { headers: IdempotencyHeaders, ...jsonBody(WithdrawalRequest) },
      responses: {
        202: jsonResponse('Accepted: awaiting the emailed code', WithdrawalView),
        ...problems(400, 401, 403, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const currency = await requireCurrency(deps.currencies, body.currency);
      if (currency.network !== 'evm' && currency.network !== 'xrpl') {
        throw new ApiError(ErrorCode.WithdrawalsUnsupported, `withdrawals of ${currency.code} are not available`, [
          { path: 'currency', message: 'cannot be withdrawn' },
        ]);
      }
      const amount = requireAmount(body.amount, currency);
      const checked = checkAddress(currency.network, body.address);
      if (!checked.ok)
        throw new ApiError(ErrorCode.InvalidAddress, `address ${checked.reason}`, [{ path: 'address', message: checked.reason }]);
      if (body.destination_tag !== undefined && currency.network !== 'xrpl')
        throw invalidField('destination_tag', 'is only for XRPL withdrawals');
      const tag = body.destination_tag === undefined ? null : BigInt(body.destination_tag);

      const previous = await withdrawalByKey(deps.sql, user.id, idempotencyKey);
      if (previous) {
        if (!sameRequest(previous, currency, amount, checked.address, tag))
          throw new ApiError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used for a different withdrawal');
        return c.json(await withdrawalView(deps, previous, false), 202, { 'idempotent-replayed': 'true' });
      }

      const settings = await withdrawalSettings(deps.sql, currency.code);
      const refusal = checkWithdrawalRules(amount, settings, currency.code);
      if (refusal) throw refusal;
      const fee = withdrawalFee(amount, settings);
      const usedBefore = await addressUsedBefore(deps.sql, user.id, currency.code, checked.address, tag);
      const reasons = [
        ...(usedBefore ? [] : ['new_address']),
        ...(settings.approvalThreshold !== null && amount >= settings.approvalThreshold ? ['amount'] : []),
      ];
      const counters = withdrawalCounters(user.id, currency.code, amount, settings, new Date());

      // the request row and the hold commit together: a refused hold leaves nothing behind
      const created = await deps.sql.begin(async (tx) => {
        const w = await insertWithdrawal(tx, {
          userId: user.id,
          idempotencyKey,
          currency: currency.code,
          amount,
          fee,
          address: checked.address,
          destinationTag: tag,
          approvalRequired: approvalRequired(amount, settings, usedBefore),
          approvalReasons: reasons,
          counters,
        });
        if (!w) return null; // the same key raced in: answered below from the stored request
        const [outcome] = await commitGroups(tx, [holdGroup(w, counters)]);
        if (!outcome!.ok) {
          const subject = outcome!.error.subject ?? '';
          throw ledgerRefusal(
            outcome!.error,
            subject.startsWith('withdrawal-month:') ? ErrorCode.MonthlyLimitExceeded : ErrorCode.DailyLimitExceeded,
          );
        }
        return w;
      });
      if (!created) {
        const raced = (await withdrawalByKey(deps.sql, user.id, idempotencyKey))!;
        if (!sameRequest(raced, currency, amount, checked.address, tag))
          throw new ApiError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used for a different withdrawal');
        return c.json(await withdrawalView(deps, raced, false), 202, { 'idempotent-replayed': 'true' });
      }
      try {
        await startWithdrawalWorkflow(
          deps.temporal.client,
          deps.sql,
          deps.temporal.taskQueue,
          created,
          deps.settings.withdrawals,
        );
      } catch (error) {
        // the funds are held and the request stored: the worker's sweep starts the workflow
        deps.log.warn({ err: error, withdrawal: created.id }, 'could not start the withdrawal workflow now');
      }
      return c.json(await withdrawalView(deps, created, false), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/{id}/confirm',
      tags: ['withdrawals'],
      summary: 'Confirm with the mailed code (and a TOTP code when two-factor is on); 5 wrong codes cancel it',
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: {
        params: IdParam,
        ...jsonBody(
          z.object({
            code: z.string().regex(/^\d{6}$/, 'must be 6 digits'),
            totp: z
              .string()
              .regex(/^\d{6}$/, 'must be 6 digits')
              .optional(),
          }),
        ),
      },
      responses: {
        200: jsonResponse('Confirmed', z.object({ confirmed: z.literal(true) })),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await ownWithdrawal(deps, c.get('user').id, id);
      const result = await updateWithdrawal(deps.temporal.client, id, confirmWithdrawalUpdate, c.req.valid('json'));
      if (!result.accepted) {
        const field = result.reason === 'totp' ? 'totp' : 'code';
        const message =
          result.attemptsLeft > 0
            ? `is wrong (${result.attemptsLeft} attempts left)`
            : 'is wrong; too many attempts, the withdrawal was cancelled';
        throw new ApiError(ErrorCode.ConfirmationCodeInvalid, `the ${field} ${message}`, [{ path: field, message }]);
      }
      return c.json({ confirmed: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/{id}/cancel',
      tags: ['withdrawals'],
      summary: 'Cancel a withdrawal that has not been broadcast; the held funds are released',
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: { params: IdParam },
      responses: {
        200: jsonResponse('Cancelled', z.object({ status: z.literal('cancelled') })),
        ...problems(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = c.get('user');
      await ownWithdrawal(deps, user.id, id);
      await updateWithdrawal(deps.temporal.client, id, cancelWithdrawalUpdate, { userId: user.id });
      return c.json({ status: 'cancelled' as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/withdrawals',
      tags: ['withdrawals'],
      summary: "The caller's withdrawals, newest first",
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: { query: PageQuery.extend({ status: z.enum(WITHDRAWAL_STATUSES).optional() }) },
      responses: {
        200: jsonResponse(
          'A page of withdrawals',
          z.object({ data: z.array(WithdrawalView), next_cursor: z.string().nullable() }),
        ),
        ...problems(400, 401),
      },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid('query');
      const rows = await listWithdrawals(deps.sql, {
        userId: c.get('user').id,
        status,
        before: decodeCursor(cursor),
        limit: limit + 1,
      });
      const result = page(rows, limit, (w) => w.id);
      return c.json(
        { data: await Promise.all(result.data.map((w) => withdrawalView(deps, w, false))), next_cursor: result.nextCursor },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/withdrawals/{id}',
      tags: ['withdrawals'],
      summary: 'A withdrawal with its status history',
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse('The withdrawal', WithdrawalView), ...problems(400, 401, 404) },
    }),
    async (c) =>
      c.json(await withdrawalView(deps, await ownWithdrawal(deps, c.get('user').id, c.req.valid('param').id), true), 200),
  );
}
