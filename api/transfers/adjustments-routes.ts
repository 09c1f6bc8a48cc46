/** Operator balance adjustments: a credit or debit of a user against the equity account, with a reason on record. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { userById } from '../../services/users-auth/client.js';
import { ErrorCode } from '../../domain/errors.js';
import { ledgerRefusal, userAccountName } from '../../domain/ledger/engine.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { ApiError } from '../http/problem.js';
import {
  BearerSecurity,
  CurrencyCode,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  problems,
  SignedDecimalString,
} from '../http/schemas.js';

export const EQUITY_ACCOUNT = 'equity:adjustments';

const AdjustmentView = z
  .object({
    id: z.string(),
    user_id: z.string(),
    currency: z.string(),
    amount: z.string(),
    reason: z.string(),
    operator_id: z.string(),
    created_at: z.string(),
  })
  .openapi('Adjustment');

export function adjustmentRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/ops/adjustments',
      tags: ['operations'],
      summary: "Credit (positive amount) or debit (negative) a user's balance against equity, with a reason",
      middleware: [guards.operator] as const,
      security: BearerSecurity,
      request: {
        headers: IdempotencyHeaders,
        ...jsonBody(
          z.object({
            user_id: z.uuid(),
            currency: CurrencyCode,
            amount: SignedDecimalString,
            reason: z.string().trim().min(3).max(500),
          }),
        ),
      },
      responses: { 201: jsonResponse('Adjusted', AdjustmentView), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const operator = c.get('user');
      const currency = await requireCurrency(deps.currencies, body.currency);
      const amount = requireAmount(body.amount, currency, 'amount', { signed: true });
      if (!(await userById(deps.sql, body.user_id))) {
        throw new ApiError(ErrorCode.NotFound, 'no such user', [{ path: 'user_id', message: 'matches no user' }]);
      }
      const user = userAccountName(body.user_id);
      const credit = amount > 0n;
      const outcome = await deps.ledger.submit({
        transfers: [
          {
            kind: 'posted',
            key: `adjustment:${operator.id}:${c.req.valid('header')['idempotency-key']}`,
            debit: credit ? EQUITY_ACCOUNT : user,
            credit: credit ? user : EQUITY_ACCOUNT,
            currency: currency.code,
            amount: credit ? amount : -amount,
            metadata: { type: 'adjustment', reason: body.reason, operator_id: operator.id, user_id: body.user_id },
          },
        ],
      });
      if (!outcome.ok) throw ledgerRefusal(outcome.error);
      const record = outcome.transfers[0]!;
      deps.log.info(
        { operator: operator.id, user: body.user_id, currency: currency.code, amount: body.amount, reason: body.reason },
        'balance adjusted',
      );
      const m = record.metadata as { reason: string; operator_id: string; user_id: string };
      return c.json(
        {
          id: record.id,
          user_id: m.user_id,
          currency: record.currency,
          amount: money(record.credit === user ? record.amount : -record.amount, currency),
          reason: m.reason,
          operator_id: m.operator_id,
          created_at: record.createdAt.toISOString(),
        },
        201,
        outcome.replayed ? { 'idempotent-replayed': 'true' } : {},
      );
    },
  );
}
