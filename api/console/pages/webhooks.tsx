/**
 * Webhooks: every merchant's deliveries by status (failed ones: out of retries, not sent to an endpoint turned off, or
 * whose workflow was terminated), a delivery's attempts, and the operator's redelivery, which is webhooks' own
 * redelivery (as POST /v1/ops/webhooks/deliveries/{id}/redeliver), recorded as requested by the operator.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { DELIVERY_STATUSES, type FailureReason } from '../../../domain/webhooks/delivery.js';
import { attemptsOf, existingDelivery, listDeliveries, redeliver, type WebhookDeps } from '../../../services/webhooks/client.js';
import { webhookWorkflowId } from '../../../workflows/webhooks/messages.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseForm, parseInput } from '../forms.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, DefinitionList, NextPage, PostForm, Select, when } from '../ui.js';

const PAGE_SIZE = 50;
const FAILURE_EXPLAINED: Record<FailureReason, string> = {
  endpoint_off: 'not sent: its endpoint was turned off or deleted (redeliver once it is on)',
  workflow_ended: 'its workflow ended without it (terminated in Temporal); its invoice’s later events went on',
};
const IdParam = z.object({ id: z.uuid() });

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const webhooks: WebhookDeps = { sql: deps.sql, temporal: deps.temporal, log: deps.log, ...deps.webhooks };
  const ui = deps.settings.console.temporalUi;
  const deliveryPath = (id: string) => `${CONSOLE_BASE}/webhooks/${id}`;

  router.get('/', async (c) => {
    const q = parseInput(
      z.object({ status: z.enum(['', ...DELIVERY_STATUSES]).default('failed'), cursor: z.string().optional() }),
      c.req.query(),
    );
    const rows = await listDeliveries(deps.sql, {
      status: q.status || undefined,
      before: decodeCursor(q.cursor, Positions.serial),
      limit: PAGE_SIZE + 1,
    });
    const result = page(rows, PAGE_SIZE, (d) => d.position);
    return render(
      c,
      'Webhooks',
      <>
        <form method="get" action={`${CONSOLE_BASE}/webhooks`} class="filters">
          <Select
            name="status"
            label="Status"
            value={q.status}
            options={[['', 'any'], ...DELIVERY_STATUSES.map((s): [string, string] => [s, s])]}
          />
          <button type="submit">Filter</button>
        </form>
        <p>
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'webhook' }} label="Webhook delivery workflows" />
        </p>
        <table class="deliveries">
          <caption>Deliveries, newest first</caption>
          <thead>
            <tr>
              <th>Created</th>
              <th>Event</th>
              <th>Merchant</th>
              <th>Status</th>
              <th class="num">Attempts</th>
              <th>Last answer</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((d) => (
              <tr data-delivery={d.id}>
                <td>
                  <a href={deliveryPath(d.id)}>{when(d.createdAt)}</a>
                </td>
                <td class="mono">{`${d.eventType} ${d.eventId}`}</td>
                <td class="mono">{d.merchantId}</td>
                <td>{d.failureReason ? `${d.status} (${d.failureReason})` : d.status}</td>
                <td class="num">{d.attempts}</td>
                <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {result.data.length === 0 && <p>None.</p>}
        <NextPage path="/webhooks" query={{ status: q.status }} cursor={result.nextCursor} />
      </>,
    );
  });

  router.get('/:id', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    const d = await existingDelivery(webhooks, id);
    const attempts = await attemptsOf(deps.sql, id);
    return render(
      c,
      `Delivery of ${d.eventType}`,
      <>
        <DefinitionList
          items={[
            ['Status', <strong class="delivery-status">{d.status}</strong>],
            ['Why failed', d.failureReason && FAILURE_EXPLAINED[d.failureReason]],
            ['Event', <code>{d.eventId}</code>],
            ['Merchant', <code>{d.merchantId}</code>],
            ['Endpoint', <code>{d.endpointId}</code>],
            ['Redelivery of', d.redeliveryOf && <a href={deliveryPath(d.redeliveryOf)}>{d.redeliveryOf}</a>],
            ['Next attempt', d.nextAttemptAt && when(d.nextAttemptAt)],
            ['Workflow', <TemporalLink ui={ui} attributes={{ WorkflowId: webhookWorkflowId(d) }} label="Delivery" />],
          ]}
        />
        <h2>Attempts</h2>
        <table>
          <caption>Attempts, first to last</caption>
          <thead>
            <tr>
              <th class="num">#</th>
              <th>Started</th>
              <th class="num">Latency (ms)</th>
              <th>Answer</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr>
                <td class="num">{a.attempt}</td>
                <td>{when(a.startedAt)}</td>
                <td class="num">{a.latencyMs}</td>
                <td class="mono">{a.statusCode ?? a.error ?? '—'}</td>
                <td>{a.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Actions</h2>
        {d.status === 'pending' ? (
          <p>Under way: its own retries are running.</p>
        ) : (
          <PostForm action={`/webhooks/${id}/redeliver`} csrfToken={c.get('csrfToken')}>
            <input type="hidden" name="key" value={randomUUID()} />
            <Confirm id="redeliver" what={`Send the ${d.eventType} event again to its endpoint`} />
            <button type="submit">Redeliver</button>
          </PostForm>
        )}
      </>,
      { notice: c.req.query('done') === 'redelivered' ? 'Redelivery started: this is the new delivery.' : undefined },
    );
  });

  router.post('/:id/redeliver', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    // the form's own key: submitting it twice (a double click, a reload) redelivers once
    const form = await parseForm(c, z.object({ confirm: Confirmed, key: z.uuid() }));
    const { delivery } = await redeliver(webhooks, await existingDelivery(webhooks, id), {
      requestedBy: `operator:${c.get('operator').id}`,
      idempotencyKey: `console:${form.key}`,
    });
    return c.redirect(`${deliveryPath(delivery.id)}?done=redelivered`, 303);
  });
}

export const webhooksPage: ConsolePage = { path: '/webhooks', title: 'Webhooks', roles: OPERATOR_ROLES, routes };
