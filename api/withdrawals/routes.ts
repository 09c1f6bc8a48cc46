/** Withdrawals for users: request (funds held at once), confirm with the mailed code, cancel, follow. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { WITHDRAWAL_STATUSES } from '../../domain/withdrawals/status.js';
import { listWithdrawals, withdrawalEvents, type Withdrawal } from '../../services/withdrawals/store.js';
import {
  cancelWithdrawal,
  confirmWithdrawal,
  ownWithdrawal,
  requestWithdrawal,
  requireWithdrawable,
} from '../../services/withdrawals/service.js';
import type { WithdrawalDeps } from '../../services/withdrawals/client.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { checkCallbackUrl, linkReplayedOrder, orderCallback, orderId, ownOrder } from '../../services/orders/client.js';
import {
  CallbackUrl,
  CurrencyCode,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  OwnOrOrderId,
  replayHeaders,
  problems,
} from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const WithdrawalRequest = z
  .object({
    currency: CurrencyCode,
    amount: DecimalString,
    address: z.string().trim().min(1).max(128),
    destination_tag: z.number().int().min(0).max(4_294_967_295).optional().openapi({ description: 'XRPL only' }),
    callback_url: CallbackUrl.optional(),
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
    chain: z.string().nullable().openapi({ description: 'The chain the payout went to (`evm-<chainId>`, `xrpl`), once sent' }),
    tx_hash: z.string().nullable(),
    decision: z
      .object({ by: z.string(), note: z.string().nullable() })
      .nullable()
      .openapi({ description: "The operator's approval or rejection, or manual close, and their note" }),
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
    chain: w.chain,
    tx_hash: w.txHash,
    decision: w.decidedBy ? { by: w.decidedBy, note: w.decisionNote } : null,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
    ...(history
      ? { history: history.map((e) => ({ status: e.status, at: e.at.toISOString(), actor: e.actor, detail: e.detail })) }
      : {}),
  };
}

const IdParam = z.object({ id: z.uuid() });
const RepeatParam = z.object({ id: OwnOrOrderId('wd') });

/** What the withdrawal service needs from the API's dependencies. */
export function withdrawalDeps(deps: ApiDeps): WithdrawalDeps {
  return { sql: deps.sql, temporal: deps.temporal, timings: deps.settings.withdrawals, log: deps.log };
}

export function withdrawalRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const withdrawals = {
    ...withdrawalDeps(deps),
    requireVerifiedEmail: deps.settings.accounts.withdrawalsRequireVerifiedEmail,
    custodyWallets: deps.settings.custodyWallets,
    codeKey: deps.keys.withdrawalCodes,
  };
  const callbacks = { sql: deps.sql, ...deps.webhooks };

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/withdrawals',
      tags: ['withdrawals'],
      summary: 'Request a withdrawal: amount + fee are held now; a 6-digit code is mailed to confirm it',
      description:
        "The code goes to the account's mail address: an account made from Telegram that has not added one of its own " +
        '(`POST /v1/me/email`) is refused, 403 `email_address_required`, as is an unverified address where ' +
        'WITHDRAWALS_REQUIRE_VERIFIED_EMAIL is on (403 `email_not_verified`).',
      request: { headers: IdempotencyHeaders, ...jsonBody(WithdrawalRequest) },
      responses: {
        202: jsonResponse('Accepted: awaiting the emailed code', WithdrawalView),
        ...problems(400, 401, 403, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = requireWithdrawable(await requireCurrency(deps.currencies, body.currency));
      checkCallbackUrl(callbacks, body.callback_url);
      const userId = c.get('user').id;
      const callback = orderCallback(callbacks, userId, body.callback_url);
      const { withdrawal, replayed } = await requestWithdrawal(withdrawals, {
        userId,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        currency,
        amount: requireAmount(body.amount, currency),
        address: body.address,
        destinationTag: body.destination_tag === undefined ? null : BigInt(body.destination_tag),
        callback,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('wd', withdrawal.id), userId }, callback);
      return c.json(await withdrawalView(deps, withdrawal, false), 202, replayHeaders(replayed));
    },
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/withdrawals/{id}/repeat',
      tags: ['withdrawals'],
      summary: 'Request a new withdrawal with the parameters of one of yours',
      description:
        'A new withdrawal of the same currency, amount, address, destination tag and callback URL, through the same ' +
        "checks as `POST /v1/withdrawals` (today's fee, limits and balance; a new mailed code to confirm it), under the " +
        'new `Idempotency-Key`: repeating the request with that key answers with the same new withdrawal.',
      request: { params: RepeatParam, headers: IdempotencyHeaders },
      responses: {
        202: jsonResponse('Accepted: awaiting the emailed code', WithdrawalView),
        ...problems(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const userId = c.get('user').id;
      const original = await ownWithdrawal(deps.sql, userId, c.req.valid('param').id);
      const { order } = await ownOrder(deps.sql, userId, orderId('wd', original.id));
      const currency = requireWithdrawable(await requireCurrency(deps.currencies, original.currency));
      const callback = orderCallback(callbacks, userId, order.callbackUrl);
      const { withdrawal, replayed } = await requestWithdrawal(withdrawals, {
        userId,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        currency,
        amount: original.amount,
        address: original.address,
        destinationTag: original.destinationTag,
        callback,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('wd', withdrawal.id), userId }, callback);
      return c.json(await withdrawalView(deps, withdrawal, false), 202, replayHeaders(replayed));
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/withdrawals/{id}/confirm',
      tags: ['withdrawals'],
      summary:
        'Confirm with the mailed code (and a TOTP code when two-factor is on now, whatever it was at the request); 5 wrong codes cancel it',
      description:
        'Sent again once it confirmed the withdrawal (a retry whose answer was lost), the same mailed code is answered ' +
        'as the first was; any other code is refused (409) once the withdrawal has moved on.',
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
      await confirmWithdrawal(withdrawals, c.get('user').id, c.req.valid('param').id, c.req.valid('json'));
      return c.json({ confirmed: true as const }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/withdrawals/{id}/cancel',
      tags: ['withdrawals'],
      summary: 'Cancel a withdrawal that has not been broadcast; the held funds are released (a repeat answers as the first)',
      request: { params: IdParam },
      responses: {
        200: jsonResponse('Cancelled', z.object({ status: z.literal('cancelled') })),
        ...problems(401, 403, 404, 409),
      },
    }),
    async (c) => {
      await cancelWithdrawal(withdrawals, c.get('user').id, c.req.valid('param').id);
      return c.json({ status: 'cancelled' as const }, 200);
    },
  );

  app.openapi(
    pageRoute(guards.user, {
      path: '/v1/withdrawals',
      tags: ['withdrawals'],
      summary: "The caller's withdrawals, newest first",
      filters: { status: z.enum(WITHDRAWAL_STATUSES).optional() },
      items: ['A page of withdrawals', WithdrawalView],
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid('query');
      const rows = await listWithdrawals(deps.sql, {
        userId: c.get('user').id,
        status,
        before: decodeCursor(cursor, Positions.uuid),
        limit: limit + 1,
      });
      return c.json(
        await pageBody(
          rows,
          limit,
          (w) => w.id,
          (w) => withdrawalView(deps, w, false),
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/withdrawals/{id}',
      tags: ['withdrawals'],
      summary: 'A withdrawal with its status history',
      request: { params: IdParam },
      responses: { 200: jsonResponse('The withdrawal', WithdrawalView), ...problems(400, 401, 404) },
    }),
    async (c) =>
      c.json(await withdrawalView(deps, await ownWithdrawal(deps.sql, c.get('user').id, c.req.valid('param').id), true), 200),
  );
}
