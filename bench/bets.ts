/**
 * Betting benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker processes):
 * bet placements per second and their latency through POST /v1/bets under concurrency, then how fast the event's
 * workflow settles those bets. Prints figures; asserts nothing about time.
 *
 *   node --import tsx bench/bets.ts      BENCH_BETS (10000 per run), BENCH_CONCURRENCY (runs: "16,32,64"), BENCH_USERS (100)
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts). The last lines
 * compare the API with BetPlacer called in-process at the same concurrency, in the same run.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { BetPlacer } from '../services/betting/placement.js';
import { createSql } from '../platform/db/client.js';
import { betEventWorkflowId, type BetEventWorkflow } from '../workflows/betting/messages.js';
import { startEmbeddedPostgres } from '../platform/embedded/postgres.js';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../platform/embedded/process.js';
import { startTemporalDevServer } from '../platform/embedded/temporal.js';
import { temporalCliPath } from '../platform/tools.js';
import { DEFAULT_PAGE_SIZE } from '../workflows/betting/messages.js';
import { ApiClient } from '../test/support/http.js';
import { freePort } from '../test/support/ports.js';
import { apiNodeArgs, apiProcessEnv, countingSql, printComparisons } from './support/api-process.js';
import { keepAliveAgent, post } from './support/http-post.js';

const BETS = Number(process.env.BENCH_BETS ?? 10_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,32,64').split(',').map(Number);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const WARMUP = 1_000;

const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
await chmod(dir, 0o755);
const stops: Array<() => Promise<unknown>> = [];
try {
  await run();
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
}

async function run() {
  const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: pgPort, password: 'bench', persistent: false }),
    startTemporalDevServer({ cli: temporalCliPath(), port: temporalPort, logFile: join(dir, 'temporal.log') }),
  ]);
  stops.push(
    () => pg.stop(),
    () => temporal.stop(),
  );
  await pg.ensureDatabase('sluice');

  const admin = { email: 'admin@bench.local', password: 'bench admin password' };
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    SLUICE_ENV: 'dev',
    LOG_LEVEL: 'warn',
    DATA_DIR: dir,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    DATABASE_URL: pg.url('sluice'),
    TEMPORAL_ADDRESS: temporal.address,
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...apiProcessEnv(),
  };
  const spawn = (name: 'api' | 'worker'): ServiceProcess => {
    const nodeArgs = name === 'api' ? apiNodeArgs() : [];
    const service = spawnEntryPoint(name, { env, nodeArgs, logFile: join(dir, `${name}.log`) });
    stops.push(() => service.stop('SIGTERM'));
    return service;
  };
  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  const temporalClient = new Client({ connection, namespace: 'default' });
  const worker = spawn('worker');
  await waitUntil(
    'the worker polling',
    async () => {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: 'sluice' },
        taskQueueType: 1,
      });
      if (!pollers?.length) throw new Error('no pollers yet');
    },
    { timeoutMs: 120_000, process: worker },
  );
  const apiProcess = spawn('api');
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const api = new ApiClient(baseUrl);
  await waitUntil(
    'the API',
    async () => {
      if ((await api.get('/healthz')).status !== 200) throw new Error('unhealthy');
    },
    { timeoutMs: 60_000, process: apiProcess },
  );

  console.log(`setting up: ${USERS} funded users…`);
  const adminToken = await api.login(admin.email, admin.password);
  const users: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < USERS; i += 10) {
    users.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, USERS - i) }, (_, j) => api.signUp(`bettor${i + j}@bench.local`)))),
    );
  }
  for (const user of users) {
    const funded = await api.post(
      '/v1/ops/adjustments',
      { user_id: user.id, currency: 'USD', amount: '1000000.00', reason: 'bench funding' },
      {
        token: adminToken,
        headers: { 'idempotency-key': `fund-${user.id}` },
      },
    );
    if (funded.status !== 201) throw new Error(`funding: ${funded.status} ${JSON.stringify(funded.body)}`);
  }
  const publish = async (coefficient: string) => {
    const response = await api.post('/v1/events', { coefficient }, { token: adminToken });
    if (response.status !== 201) throw new Error(`publish: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  };

  const agent = keepAliveAgent(Math.max(...CONCURRENCY));
  const overHttp = (eventId: string) => async (n: number) => {
    const user = users[n % users.length]!;
    const body = { event_id: eventId, amount: '1.25', currency: 'USD' };
    return (await post(agent, `${baseUrl}/v1/bets`, user.token, `b-${eventId}-${n}`, body)) === 201;
  };

  console.log(`warming up: ${WARMUP} placements…`);
  await drive(WARMUP, CONCURRENCY[0]!, overHttp(await publish('1.50')));

  console.log(`\nbet placement: POST /v1/bets, ${BETS} bets per run on one event, from ${USERS} users`);
  console.log('  concurrency  placements/s   p50 ms   p99 ms   max ms   SQL/bet');
  let eventId = '';
  const runs = new Map<number, { run: Run; sqlPerBet: number }>();
  for (const concurrency of CONCURRENCY) {
    eventId = await publish('1.85');
    const [run, sqlPerBet] = await countingSql(baseUrl, BETS, () => drive(BETS, concurrency, overHttp(eventId)));
    runs.set(concurrency, { run, sqlPerBet });
    printRun(concurrency, run, sqlPerBet);
  }

  // the same placements without HTTP, auth and JSON: what the database path alone sustains
  const sql = createSql(pg.url('sluice'), { max: 10 });
  const placer = new BetPlacer(sql);
  const direct = await publish('1.85');
  const withoutHttp = await drive(BETS, 64, async (n) => {
    const outcome = await placer.place({
      userId: users[n % users.length]!.id,
      eventId: direct,
      currency: 'USD',
      amount: 125n,
      idempotencyKey: `d-${n}`,
    });
    return outcome.ok;
  });
  console.log('  BetPlacer called in-process (no HTTP), for comparison:');
  printRun(64, withoutHttp);
  await sql.end();
  printComparisons(
    'POST /v1/bets against BetPlacer in-process, this run',
    [...runs].map(([concurrency, { run, sqlPerBet }]) => ({
      scenario: `concurrency ${concurrency} (in-process at 64)`,
      inProcessPerSecond: perSecond(withoutHttp),
      apiPerSecond: perSecond(run),
      apiP99Ms: percentileOf(run, 99),
      sqlPerRequest: sqlPerBet,
    })),
  );

  const handle = temporalClient.workflow.getHandle<BetEventWorkflow>(betEventWorkflowId(eventId));
  const settleStarted = process.hrtime.bigint();
  const patched = await api.request('PATCH', `/v1/events/${eventId}`, { state: 'finished_win' }, { token: adminToken });
  if (patched.status !== 200) throw new Error(`result: ${patched.status} ${JSON.stringify(patched.body)}`);
  const result = await handle.result();
  const settleSeconds = Number(process.hrtime.bigint() - settleStarted) / 1e9;
  console.log(
    `\nsettlement of the last run's event: ${result.tally?.won} bets won, pages of ${DEFAULT_PAGE_SIZE}, from PATCH to the workflow's completion`,
  );
  console.log(
    `  throughput  ${Math.round(BETS / settleSeconds)} bets settled/s (${settleSeconds.toFixed(2)} s, ${result.pages} pages)`,
  );

  const audit = await api.post('/v1/ops/audit', undefined, { token: adminToken });
  console.log(`\nledger audit: ${audit.body.ok ? 'balanced' : 'DRIFT'} (${audit.body.transfers_checked} transfers)`);
  agent.destroy();
}

interface Run {
  seconds: number;
  latencies: number[];
  refused: number;
}

/** Makes `count` calls from `concurrency` loops; each call's latency in ms, sorted. */
async function drive(count: number, concurrency: number, call: (n: number) => Promise<boolean>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < count; n = next++) {
        const t0 = process.hrtime.bigint();
        if (!(await call(n))) refused++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies: latencies.sort((a, b) => a - b), refused };
}

function perSecond(run: Run): number {
  return run.latencies.length / run.seconds;
}

function percentileOf(run: Run, p: number): number {
  return run.latencies[Math.min(run.latencies.length - 1, Math.floor((p / 100) * run.latencies.length))]!;
}

function printRun(concurrency: number, run: Run, sqlPerBet?: number): void {
  const cells = [
    concurrency,
    Math.round(perSecond(run)),
    percentileOf(run, 50).toFixed(1),
    percentileOf(run, 99).toFixed(1),
    run.latencies.at(-1)!.toFixed(1),
    sqlPerBet === undefined ? '' : sqlPerBet.toFixed(2),
  ];
  console.log(
    `  ${cells.map((c, i) => String(c).padStart([11, 14, 9, 9, 9, 10][i]!)).join('')}${run.refused ? `   (${run.refused} refused)` : ''}`,
  );
}
