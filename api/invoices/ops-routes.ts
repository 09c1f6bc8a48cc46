/** Invoices for operators: mark one settled or invalid (recorded with the operator, through the invoice's workflow). */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { INVOICE_STATUSES } from '../../domain/invoices/status.js';
import { markInvoiceAs } from '../../services/invoices/service.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { invoiceDeps } from './routes.js';
import { guardedRoute } from '../http/routes.js';

export function opsInvoiceRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const invoices = invoiceDeps(deps);
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/invoices/{id}/mark',
      tags: ['invoices'],
      summary: 'Mark an invoice settled (what was paid goes to the merchant as a settlement) or invalid (returned as paid)',
      request: {
        params: z.object({ id: z.uuid() }),
        ...jsonBody(z.object({ mark: z.enum(['settled', 'invalid']), note: z.string().max(500).optional() })),
      },
      responses: {
        200: jsonResponse('Marked', z.object({ status: z.enum(INVOICE_STATUSES) })),
        ...problems(400, 401, 403, 404, 409, 415),
      },
    }),
    async (c) => {
      const { mark, note } = c.req.valid('json');
      const status = await markInvoiceAs(invoices, {
        invoiceId: c.req.valid('param').id,
        mark: mark === 'settled' ? 'marked_settled' : 'marked_invalid',
        operatorId: c.get('user').id,
        note: note ?? null,
      });
      return c.json({ status }, 200);
    },
  );
}
