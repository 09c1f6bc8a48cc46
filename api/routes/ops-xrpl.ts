/** Operators' view of XRPL deposits that credited nobody: unknown or missing destination tags, issued currencies. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { unmatchedPayments } from '../../db/xrpl/payments.js';
import type { Guards } from '../auth/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { BearerSecurity, jsonResponse, PageQuery, problems } from '../schemas.js';
import { paymentCursor, paymentPage, PaymentPage } from '../xrpl-schemas.js';

export function opsXrplRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ops/xrpl/unmatched',
      tags: ['operations'],
      summary: 'Payments to the deposit address that were not credited to anyone, newest first',
      description: 'deposit.status says why: unknown_tag, missing_tag, not_xrp (an issued currency or MPT), unknown_amount.',
      middleware: [guards.operator] as const,
      security: BearerSecurity,
      request: { query: PageQuery },
      responses: { 200: jsonResponse('A page of unmatched payments', PaymentPage), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(paymentPage(await unmatchedPayments(deps.sql, { before: paymentCursor(cursor), limit: limit + 1 }), limit), 200);
    },
  );
}
