/** Internal transfers between users, and the caller's ledger history. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { TransferRecord } from '../../services/ledger/journal.js';
import { transferByKey, transfersOf } from '../../services/ledger/queries.js';
import { transferRules } from '../../services/transfers/settings-store.js';
import { userByEmail, userById } from '../../services/users-auth/users-store.js';
import { ErrorCode } from '../../domain/errors.js';
import { userAccountName, type LedgerFailure } from '../../domain/ledger/engine.js';
import { feeFor } from '../../domain/fees.js';
import { checkTransferRules, internalTransferGroup, transferKey } from '../../domain/transfers/rules.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { decodeCursor, page } from '../http/pages.js';
import { ApiError } from '../http/problem.js';
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

const TransferRequest = z
  .object({
    to_email: z
      .email()
      .max(254)
      .transform((e) => e.toLowerCase())
      .optional(),
    to_user_id: z.uuid().optional(),
    currency: CurrencyCode,
    amount: DecimalString,
    memo: z.string().max(200).optional(),
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

/** Maps a ledger refusal to the API's answer. */
export function ledgerRefusal(error: LedgerFailure, limitCode: ErrorCode = ErrorCode.LimitExceeded): ApiError {
  if (error.code === ErrorCode.LimitExceeded) return new ApiError(limitCode, 'this would exceed your limit');
  return new ApiError(error.code, error.message);
}

export function transferRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/transfers',
      tags: ['ledger'],
      summary: 'Send money to another user (fee and limits per currency)',
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: { headers: IdempotencyHeaders, ...jsonBody(TransferRequest) },
      responses: {
        201: jsonResponse('Transferred (or the first result of this Idempotency-Key)', TransferView),
        ...problems(400, 401, 403, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const sender = c.get('user');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const currency = await requireCurrency(deps.currencies, body.currency);
      const amount = requireAmount(body.amount, currency);

      const recipientField = body.to_email !== undefined ? 'to_email' : 'to_user_id';
      const recipient =
        body.to_email !== undefined ? await userByEmail(deps.sql, body.to_email) : await userById(deps.sql, body.to_user_id!);
      if (!recipient) {
        throw new ApiError(ErrorCode.RecipientNotFound, 'no user matches the recipient', [
          { path: recipientField, message: 'matches no user' },
        ]);
      }
      if (recipient.id === sender.id) {
        throw new ApiError(ErrorCode.SelfTransfer, 'you cannot transfer to yourself', [
          { path: recipientField, message: 'is you' },
        ]);
      }

      // a repeated request is answered from the journal, even if fees or limits changed since
      const key = transferKey(sender.id, idempotencyKey);
      const previous = await transferByKey(deps.sql, key);
      if (previous) {
        if (
          previous.credit !== userAccountName(recipient.id) ||
          previous.currency !== currency.code ||
          previous.amount !== amount
        ) {
          throw new ApiError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used for a different transfer');
        }
        deps.metrics.ledgerOutcomes.inc({ outcome: 'replayed' });
        return c.json(transferView(previous, currency), 201, { 'idempotent-replayed': 'true' });
      }

      const rules = await transferRules(deps.sql, currency.code);
      const refusal = checkTransferRules(amount, rules, currency.code);
      if (refusal) throw refusal;
      const fee = feeFor(amount, rules.fee);
      const day = new Date().toISOString().slice(0, 10);
      const group = internalTransferGroup(
        { fromUserId: sender.id, toUserId: recipient.id, currency: currency.code, amount, fee, idempotencyKey, day },
        rules,
      );
      group.transfers[0]!.metadata = { ...group.transfers[0]!.metadata, ...(body.memo ? { memo: body.memo } : {}) };

      const outcome = await deps.ledger.submit(group);
      if (!outcome.ok) {
        deps.metrics.ledgerOutcomes.inc({ outcome: outcome.error.code });
        throw ledgerRefusal(outcome.error, ErrorCode.DailyLimitExceeded);
      }
      deps.metrics.ledgerOutcomes.inc({ outcome: outcome.replayed ? 'replayed' : 'posted' });
      return c.json(
        transferView(outcome.transfers[0]!, currency),
        201,
        outcome.replayed ? { 'idempotent-replayed': 'true' } : {},
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ledger/transfers',
      tags: ['ledger'],
      summary: "The caller's ledger entries, newest first",
      middleware: [guards.user] as const,
      security: BearerSecurity,
      request: { query: PageQuery.extend({ currency: CurrencyCode.optional() }) },
      responses: {
        200: jsonResponse('A page of entries', z.object({ data: z.array(EntryView), next_cursor: z.string().nullable() })),
        ...problems(400, 401),
      },
    }),
    async (c) => {
      const { limit, cursor, currency } = c.req.valid('query');
      const account = userAccountName(c.get('user').id);
      const rows = await transfersOf(deps.sql, account, { before: decodeCursor(cursor), limit: limit + 1, currency });
      const currencies = new Map((await deps.currencies.all()).map((cur) => [cur.code, cur]));
      const result = page(rows, limit, (r) => r.id);
      return c.json(
        {
          data: result.data.map((r) => {
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
          }),
          next_cursor: result.nextCursor,
        },
        200,
      );
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
