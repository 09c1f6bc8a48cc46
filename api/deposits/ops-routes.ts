/** Operators' actions on deposits: crediting a held one (above the maximum, or not worth waiting for more). */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { creditHeldDepositByOperator } from '../../services/deposits/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money } from '../http/money.js';
import { jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

export function opsDepositRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/deposits/{id}/credit',
      tags: ['operations'],
      summary: 'Credit a held deposit as it is, less the fee on its amount',
      request: { params: z.object({ id: z.string().regex(/^\d{1,19}$/, 'must be a deposit id') }) },
      responses: {
        200: jsonResponse('Credited', z.object({ id: z.string(), status: z.literal('credited'), fee: z.string() })),
        ...problems(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const deposit = await creditHeldDepositByOperator(deps, c.get('user').id, id);
      const currency = (await deps.currencies.get(deposit.currency))!;
      return c.json({ id, status: 'credited' as const, fee: money(deposit.fee ?? 0n, currency) }, 200);
    },
  );
}
