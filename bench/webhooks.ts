/**
 * Webhook delivery benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker
 * processes) and a real local merchant server: 1,000 events published (as invoices publish them: publishEvent in a
 * transaction) at a steady rate to a merchant that answers in 500 ms, then to one that answers in 500 ms but fails
 * half the time (503). Latency runs from the publishing commit to the event's arrival at the merchant (its own
 * 500 ms answer comes on top). For the failing merchant it prints the first attempt's latency and the time to the
 * attempt that succeeded separately. Prints figures; asserts nothing about time.
 *
 *   node --import tsx bench/webhooks.ts     BENCH_WEBHOOK_EVENTS (1000), BENCH_WEBHOOK_RATE (events/s, 50)
 *
 * The retry schedule is shortened for this bench only (WEBHOOK_RETRY_SCHEDULE, 8 × 1 s instead of BTCPay's 10 s,
 * 1 min, 6 × 10 min), so the failing merchant's run ends in seconds; the workflow test holds the real schedule.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSql, type Sql } from '../platform/db/client.js';
import { publishEvent } from '../services/webhooks/client.js';
import { WebhookReceiver, type Script } from '../test/support/webhook-receiver.js';
import { percentile } from './support/stats.js';
import { withApiStack, type ApiStack } from './support/api-stack.js';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 1_000);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 50);
const ANSWER_MS = 500;
const RETRY_SCHEDULE = Array(8).fill('1s').join(',');

await withApiStack('webhooks', run, { WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE, LOG_LEVEL: 'warn' });

async function run(stack: ApiStack) {
  const receiver = await WebhookReceiver.start();
  const sql = createSql(stack.databaseUrl, { max: 10 });
  try {
    // a fixed seed: the failing merchant fails the same requests on every run
    let seed = 42;
    const coin = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 < 0.5;
    const healthy: Script = () => ({ status: 200, delayMs: ANSWER_MS });
    const flaky: Script = () => (coin() ? { status: 503, delayMs: ANSWER_MS } : { status: 200, delayMs: ANSWER_MS });

    console.log(`webhook delivery: ${EVENTS} events at ${RATE}/s per merchant, each answer after ${ANSWER_MS} ms`);
    const healthyRun = await deliverTo(stack, sql, receiver, 'healthy', healthy);
    const flakyRun = await deliverTo(stack, sql, receiver, 'flaky', flaky);

    const row = (label: string, ms: number[]) =>
      console.log(
        `  ${label.padEnd(44)}${String(ms.length).padStart(7)}${[50, 99, 100].map((p) => percentile(ms, p).toFixed(0).padStart(9)).join('')}`,
      );
    console.log(`\n  ${'publish commit → arrival at the merchant'.padEnd(44)}${'events'.padStart(7)}   p50 ms   p99 ms   max ms`);
    row('healthy merchant (500 ms answers)', healthyRun.first);
    row('failing merchant: first attempt', flakyRun.first);
    row('failing merchant: time to the attempt that succeeded', flakyRun.success);
    console.log(
      `  failing merchant: ${flakyRun.attempts} attempts for ${EVENTS} events, ${EVENTS - flakyRun.success.length} never succeeded` +
        ` (schedule ${RETRY_SCHEDULE}, bench only)`,
    );
  } finally {
    await sql.end({ timeout: 5 });
    await receiver.close();
  }
}

/** A merchant with one endpoint at `/<name>`, its script, and EVENTS events published at RATE; waits for every end. */
async function deliverTo(stack: ApiStack, sql: Sql, receiver: WebhookReceiver, name: string, script: Script) {
  const merchant = await stack.api.signUp(`${name}@bench.local`);
  const promoted = await stack.api.put(`/v1/ops/users/${merchant.id}/role`, { role: 'merchant' }, { token: stack.adminToken });
  if (promoted.status !== 200) throw new Error(`role: ${promoted.status}`);
  const endpoint = await stack.api.post(
    '/v1/webhooks/endpoints',
    { url: receiver.url(`/${name}`), event_types: ['invoice.settled'] },
    { token: merchant.token },
  );
  if (endpoint.status !== 201) throw new Error(`endpoint: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
  receiver.script(`/${name}`, script);

  const publishedAt = new Map<string, number>();
  const started = performance.now();
  const backlog = sampleBacklog(sql, merchant.id);
  await Promise.all(
    Array.from({ length: EVENTS }, async (_, i) => {
      const due = started + (i * 1000) / RATE;
      await sleep(Math.max(0, due - performance.now()));
      const id = `bench:${name}:${i}`;
      await sql.begin((tx) =>
        publishEvent(tx, {
          id,
          merchantId: merchant.id,
          type: 'invoice.settled',
          data: { invoice_id: String(i), status: 'settled', currency: 'USD', amount: '10.00', order_id: null },
        }),
      );
      publishedAt.set(id, Date.now());
    }),
  );
  console.log(
    `  ${name}: published ${EVENTS} in ${((performance.now() - started) / 1000).toFixed(1)} s; waiting for the deliveries…`,
  );
  for (;;) {
    const [{ pending }] = (await sql`
      select count(*)::int as pending from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
      where e.merchant_id = ${merchant.id} and d.status = 'pending'`) as unknown as [{ pending: number }];
    const [{ stored }] = (await sql`
      select count(*)::int as stored from webhook_deliveries where merchant_id = ${merchant.id}`) as unknown as [
      { stored: number },
    ];
    if (stored === EVENTS && pending === 0) break;
    await sleep(500);
  }
  const peak = await backlog.stop();
  console.log(
    `  ${name}: at most ${peak.unstarted} pending deliveries without a workflow (first attempt waiting or under way), ` +
      `${peak.started} with one (retrying)`,
  );

  const first = new Map<string, number>();
  const success = new Map<string, number>();
  const hooks = receiver.to(`/${name}`);
  for (const hook of hooks) {
    const id = (JSON.parse(hook.body) as { id: string }).id;
    if (!first.has(id)) first.set(id, hook.at - publishedAt.get(id)!);
  }
  // when the attempt that got its 2xx started (the worker's clock: the same machine's)
  const delivered = await sql`
    select event_id, delivered_at from webhook_deliveries
    where merchant_id = ${merchant.id} and status = 'delivered'`;
  for (const row of delivered)
    success.set(row.eventId as string, (row.deliveredAt as Date).getTime() - publishedAt.get(row.eventId as string)!);
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    `  ${name}: every delivery ended ${elapsed.toFixed(1)} s after the first publish (${(EVENTS / elapsed).toFixed(1)} events/s)`,
  );
  const sorted = (m: Map<string, number>) => [...m.values()].sort((a, b) => a - b);
  return { first: sorted(first), success: sorted(success), attempts: hooks.length };
}

/** Where deliveries wait, sampled every 250 ms until stopped: the peaks of pending ones without and with a workflow. */
function sampleBacklog(sql: Sql, merchantId: string) {
  const peak = { unstarted: 0, started: 0 };
  let running = true;
  const sampling = (async () => {
    while (running) {
      const [row] = await sql`
        select count(*) filter (where not workflow_started and status = 'pending')::int as unstarted,
               count(*) filter (where workflow_started and status = 'pending')::int as started
        from webhook_deliveries where merchant_id = ${merchantId}`;
      peak.unstarted = Math.max(peak.unstarted, row!.unstarted as number);
      peak.started = Math.max(peak.started, row!.started as number);
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      return peak;
    },
  };
}
