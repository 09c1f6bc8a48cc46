/** Ledger audits: run one now, list past results, or query one's workflow for its status. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { auditStatus, startManualAudit } from '../../services/audit/client.js';
import { DRIFT_FIELD_NAMES } from '../../domain/audit/report.js';
import { listAudits } from '../../services/audit/store.js';
import { AUDIT_WORKFLOW_ID_PREFIX, type LedgerAuditResult } from '../../workflows/audit/messages.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const WAIT_FOR_RESULT_MS = 30_000;

const CurrencyTotals = z.object({
  currency: z.string(),
  accounts: z.number().int(),
  posted_sum: z.string().openapi({ description: 'Credits − debits posted over its accounts: zero when the books balance' }),
  pending_debits: z.string(),
  pending_credits: z.string(),
  balanced: z.boolean(),
});
const Drift = z.object({
  account: z.string(),
  currency: z.string(),
  field: z.enum(Object.values(DRIFT_FIELD_NAMES)).openapi({
    description: "The account's running sum that disagrees with the journal, its currency, or held_by_orders",
  }),
  stored: z.string(),
  journal: z.string(),
});
const AuditView = z
  .object({
    id: z.string(),
    workflow_id: z.string(),
    ok: z.boolean(),
    trigger: z.string().optional(),
    started_at: z.string(),
    finished_at: z.string(),
    accounts_checked: z.number().int(),
    transfers_checked: z.number().int(),
    currencies: z.array(CurrencyTotals),
    drifts: z.array(Drift),
  })
  .openapi('LedgerAudit', { description: 'Amounts are minor units' });
const Running = z.object({ workflow_id: z.string(), state: z.literal('running'), started_at: z.string().optional() });

const auditView = (workflowId: string, a: LedgerAuditResult & { trigger?: string }) => ({
  id: a.id,
  workflow_id: workflowId,
  ok: a.ok,
  trigger: a.trigger,
  started_at: a.startedAt,
  finished_at: a.finishedAt,
  accounts_checked: a.accountsChecked,
  transfers_checked: a.transfersChecked,
  currencies: a.currencies.map((t) => ({
    currency: t.currency,
    accounts: t.accounts,
    posted_sum: t.postedSum,
    pending_debits: t.pendingDebits,
    pending_credits: t.pendingCredits,
    balanced: t.balanced,
  })),
  drifts: a.drifts.map((d) => ({ ...d, field: DRIFT_FIELD_NAMES[d.field] })),
});

export function auditRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/audit',
      tags: ['operations'],
      summary: 'Run a ledger audit now; answers with the report, or 202 if it takes longer than 30 s',
      responses: {
        200: jsonResponse('The audit report', AuditView),
        202: jsonResponse('Still running', Running),
        ...problems(401, 403, 503),
      },
    }),
    async (c) => {
      const handle = await startManualAudit(deps.temporal, c.get('user').id);
      const { workflowId } = handle;
      const result = await Promise.race([
        handle.result(),
        new Promise<null>((r) => setTimeout(() => r(null), WAIT_FOR_RESULT_MS)),
      ]);
      if (!result) return c.json({ workflow_id: workflowId, state: 'running' as const }, 202);
      return c.json(auditView(workflowId, { ...result, trigger: 'manual' }), 200);
    },
  );

  app.openapi(
    pageRoute(guards.operator, {
      path: '/v1/ops/audits',
      tags: ['operations'],
      summary: 'Past ledger audits, newest first',
      items: ['A page of audits', AuditView],
      forbidden: true,
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const rows = await listAudits(deps.sql, { before: decodeCursor(cursor, Positions.uuid), limit: limit + 1 });
      return c.json(
        await pageBody(
          rows,
          limit,
          (r) => r.id,
          (a) => auditView(a.workflowId, a),
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/audits/{workflow_id}',
      tags: ['operations'],
      summary: "An audit's status and report: its stored result once it finished, else what its workflow says",
      request: {
        params: z.object({
          workflow_id: z
            .string()
            .regex(new RegExp(`^${AUDIT_WORKFLOW_ID_PREFIX}[A-Za-z0-9:._-]{1,180}$`), 'must be an audit workflow id'),
        }),
      },
      responses: { 200: jsonResponse('Status', z.union([AuditView, Running])), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const workflowId = c.req.valid('param').workflow_id;
      const status = await auditStatus(deps, workflowId);
      if (status.state === 'running')
        return c.json({ workflow_id: workflowId, state: 'running' as const, started_at: status.startedAt }, 200);
      const { state: _, ...result } = status;
      return c.json(auditView(workflowId, result), 200);
    },
  );
}
