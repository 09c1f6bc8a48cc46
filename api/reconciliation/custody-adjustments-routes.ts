/** Operators book custody that no flow explains (what reconciliation reports as unexplained drift) against equity. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { adjustCustody } from '../../services/reconciliation/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { AdjustmentFields, adjustmentFields } from '../http/adjustments.js';
import { requireAmount, requireCurrency } from '../http/money.js';
import {
  CurrencyCode,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  problems,
  replayHeaders,
  SignedDecimalString,
} from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const CustodyAdjustmentView = AdjustmentFields.extend({
  amount: z.string().openapi({ description: 'Positive: the custody account holds more; negative: less' }),
  account: z.string(),
  chain: z.string(),
}).openapi('CustodyAdjustment');

export function custodyAdjustmentRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/custody-adjustments',
      tags: ['operations'],
      summary: "Adjust a custody account's holdings against equity (positive adds, negative takes away), with a reason",
      description:
        'For custody that no flow explains, as a reconciliation reports it (`unexplained`): a wallet that held funds ' +
        'before Sluice watched it, funds lost or received unseen. The next reconciliation matches what was booked.',
      request: {
        headers: IdempotencyHeaders,
        ...jsonBody(
          z.object({
            account: z
              .string()
              .regex(/^custody:[a-z0-9:-]{1,120}$/, 'must be a custody account such as "custody:hot:evm-1"')
              .openapi({ example: 'custody:cold:evm-1' }),
            currency: CurrencyCode,
            amount: SignedDecimalString,
            reason: z.string().trim().min(3).max(500),
          }),
        ),
      },
      responses: {
        201: jsonResponse('Adjusted (or the first adjustment of this Idempotency-Key)', CustodyAdjustmentView),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = await requireCurrency(deps.currencies, body.currency);
      const posted = await adjustCustody(deps, {
        operatorId: c.get('user').id,
        account: body.account,
        currency,
        amount: requireAmount(body.amount, currency, 'amount', { signed: true }),
        reason: body.reason,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      const { custody_account, chain } = posted.record.metadata as { custody_account: string; chain: string };
      return c.json(
        { ...adjustmentFields(posted, currency), account: custody_account, chain },
        201,
        replayHeaders(posted.replayed),
      );
    },
  );
}
