/** Internal transfers between users, and the caller's ledger history. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { TransferRecord } from '../../services/ledger/journal.js';
import { transfersOf } from '../../services/ledger/queries.js';
import { sendTransfer, type TransferDeps } from '../../services/transfers/service.js';
import { userAccountName } from '../../domain/ledger/engine.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { checkCallbackUrl, linkReplayedOrder, orderCallback, orderId, ownOrderWithFields } from '../../services/orders/client.js';
import {
  CallbackUrl,
  CurrencyCode,
  DecimalString,
  EmailAddress,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  OwnOrOrderId,
  replayHeaders,
  problems,
} from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const TransferRequest = z
  .object({
    to_email: EmailAddress.optional(),
    to_user_id: z.uuid().optional(),
    currency: CurrencyCode,
    amount: DecimalString,
    memo: z.string().max(200).optional(),
    callback_url: CallbackUrl.optional(),
  })
  .refine((t) => (t.to_email === undefined) !== (t.to_user_id === undefined), {
    message: 'give exactly one of to_email and to_user_id',
    path: ['to_email'],
  })
  .openapi('TransferRequest');

const TransferView = z
  .object({
    id: z.string(),
    currency: z.string(),
    amount: z.string(),
    fee: z.string(),
    from_user_id: z.string(),
    to_user_id: z.string(),
    memo: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Transfer');

const EntryView = z
  .object({
    id: z.string(),
    kind: z.enum(['posted', 'pending', 'post', 'void']),
    type: z.string().nullable(),
    direction: z.enum(['in', 'out']),
    currency: z.string(),
    amount: z.string(),
    counterparty: z.string(),
    pending_key: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('LedgerEntry');

export function transferRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const transfers: TransferDeps = {
    sql: deps.sql,
    ledger: deps.ledger,
    users: deps.users,
    settings: deps.operationSettings,
    countOutcome: (outcome) => deps.metrics.ledgerOutcomes.inc({ outcome }),
  };
  const callbacks = { sql: deps.sql, ...deps.webhooks };

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/transfers',
      tags: ['ledger'],
      summary: 'Send money to another user (fee and limits per currency)',
      request: { headers: IdempotencyHeaders, ...jsonBody(TransferRequest) },
      responses: {
        201: jsonResponse('Transferred (or the first result of this Idempotency-Key)', TransferView),
        ...problems(400, 401, 403, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = await requireCurrency(deps.currencies, body.currency);
      checkCallbackUrl(callbacks, body.callback_url);
      const senderId = c.get('user').id;
      const callback = orderCallback(callbacks, senderId, body.callback_url);
      const { transfer, replayed } = await sendTransfer(transfers, {
        senderId,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        to:
          body.to_email !== undefined
            ? { field: 'to_email', email: body.to_email }
            : { field: 'to_user_id', userId: body.to_user_id! },
        currency,
        amount: requireAmount(body.amount, currency),
        memo: body.memo,
        callback,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('tr', transfer.id), userId: senderId }, callback);
      return c.json(transferView(transfer, currency), 201, replayHeaders(replayed));
    },
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/transfers/{id}/repeat',
      tags: ['ledger'],
      summary: 'Send a new transfer with the parameters of one you sent',
      description:
        'A new transfer to the same recipient, of the same currency and amount, with the same memo and callback URL, ' +
        "through the same checks as `POST /v1/transfers` (today's fee, limits and balance), under the new " +
        '`Idempotency-Key`: repeating the request with that key answers with the same new transfer.',
      request: {
        params: z.object({
          id: OwnOrOrderId('tr'),
        }),
        headers: IdempotencyHeaders,
      },
      responses: {
        201: jsonResponse('Transferred (or the first result of this Idempotency-Key)', TransferView),
        ...problems(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const senderId = c.get('user').id;
      const { order, details } = await ownOrderWithFields(deps.sql, senderId, orderId('tr', c.req.valid('param').id));
      const original = details.fields as { to_user_id: string; currency: string; amount: string; memo: string | null };
      const currency = await requireCurrency(deps.currencies, original.currency);
      const callback = orderCallback(callbacks, senderId, order.callbackUrl);
      const { transfer, replayed } = await sendTransfer(transfers, {
        senderId,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        to: { field: 'to_user_id', userId: original.to_user_id },
        currency,
        amount: BigInt(original.amount),
        memo: original.memo ?? undefined,
        callback,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('tr', transfer.id), userId: senderId }, callback);
      return c.json(transferView(transfer, currency), 201, replayHeaders(replayed));
    },
  );

  app.openapi(
    pageRoute(guards.funds, {
      path: '/v1/ledger/transfers',
      tags: ['ledger'],
      summary: "The caller's ledger entries, newest first",
      filters: { currency: CurrencyCode.optional() },
      items: ['A page of entries', EntryView],
    }),
    async (c) => {
      const { limit, cursor, currency } = c.req.valid('query');
      const account = userAccountName(c.get('user').id);
      const rows = await transfersOf(deps.sql, account, {
        before: decodeCursor(cursor, Positions.serial),
        limit: limit + 1,
        currency,
      });
      const currencies = new Map((await deps.currencies.all()).map((cur) => [cur.code, cur]));
      const view = (r: (typeof rows)[number]) => {
        const outgoing = r.debit === account;
        return {
          id: r.id,
          kind: r.kind,
          type: typeof r.metadata.type === 'string' ? r.metadata.type : null,
          direction: outgoing ? ('out' as const) : ('in' as const),
          currency: r.currency,
          amount: money(r.amount, currencies.get(r.currency)!),
          counterparty: outgoing ? r.credit : r.debit,
          pending_key: r.pendingKey,
          created_at: r.createdAt.toISOString(),
        };
      };
      return c.json(await pageBody(rows, limit, (r) => r.id, view), 200);
    },
  );
}

function transferView(record: TransferRecord, currency: { scale: number }) {
  const m = record.metadata as { from_user_id: string; to_user_id: string; fee?: string; memo?: string };
  return {
    id: record.id,
    currency: record.currency,
    amount: money(record.amount, currency),
    fee: money(BigInt(m.fee ?? '0'), currency),
    from_user_id: m.from_user_id,
    to_user_id: m.to_user_id,
    memo: m.memo ?? null,
    created_at: record.createdAt.toISOString(),
  };
}
