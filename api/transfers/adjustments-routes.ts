/** Operator balance adjustments: a credit or debit of a user against the equity account, with a reason on record. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { adjustBalance } from '../../services/transfers/client.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { AdjustmentFields, adjustmentFields } from '../http/adjustments.js';
import { requireAmount, requireCurrency } from '../http/money.js';
import {
  CurrencyCode,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  replayHeaders,
  problems,
  SignedDecimalString,
} from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const AdjustmentView = AdjustmentFields.extend({ user_id: z.string() }).openapi('Adjustment');

export function adjustmentRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/adjustments',
      tags: ['operations'],
      summary: "Credit (positive amount) or debit (negative) a user's balance against equity, with a reason",
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
      const posted = await adjustBalance(deps, {
        operatorId: operator.id,
        userId: body.user_id,
        currency: currency.code,
        amount: requireAmount(body.amount, currency, 'amount', { signed: true }),
        reason: body.reason,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      return c.json(
        { ...adjustmentFields(posted, currency), user_id: String(posted.record.metadata.user_id) },
        201,
        replayHeaders(posted.replayed),
      );
    },
  );
}
