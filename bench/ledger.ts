/**
 * Ledger throughput and latency, on a fresh embedded PostgreSQL with default durability (synchronous commit):
 *   1. the ledger module (LedgerWriter, group commit): one hot account paying many, and spread accounts;
 *   2. POST /v1/transfers through the real API process, with concurrent HTTP clients.
 * The last table sets each API scenario against the module's (one hot payer, spread payers) at the same concurrency,
 * in the same run: the API cannot batch more requests than are in flight, so the module is held to the same number.
 * The module alone swings by a third between runs minutes apart on a shared machine, so the two alternate, module
 * then API, for `--rounds` rounds: every round's ratio is printed, and their median. Each measured run, either side's,
 * starts from vacuumed tables, and prints what every process of the stack spent per transfer meanwhile (the module's
 * run with the bench process's own GC pauses, the API's with the API's), so a slow round says whose time it lost.
 * Usage: node --import tsx bench/ledger.ts [--transfers 20000] [--requests 5000] [--concurrency 50] [--rounds 3]
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS / BENCH_API_LOG (bench/support/api-process.ts).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { recomputeLedger } from '../services/audit/recompute.js';
import { LedgerWriter } from '../services/ledger/writer.js';
import { spawnEntryPoint, waitUntil } from '../platform/embedded/process.js';
import { ApiClient } from '../test/support/http.js';
import { freePort } from '../test/support/ports.js';
import { percentile, printFigures, runConcurrently, type Figures } from './support/stats.js';
import { formatStackCpu, stackCpuPerRequest, withStackCpu, type StackCpuDelta } from './support/stack-cpu.js';
import {
  apiNodeArgs,
  apiOutput,
  apiProcessEnv,
  countingSql,
  formatApiRuntime,
  printComparisons,
  roundsLine,
  writeBatchesInFlight,
  type Comparison,
} from './support/api-process.js';
import { keepAliveAgent, post } from './support/http-post.js';
import { withBenchDatabase } from './support/bench-database.js';
import { formatOwnGc, withOwnGc } from './support/own-gc.js';
import { vacuumed } from './support/pg-activity.js';
import { createSql } from '../platform/db/client.js';

const { values } = parseArgs({
  options: {
    transfers: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
  },
});
const TRANSFERS = Number(values.transfers);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

// a Temporal server up for both sides' runs alike: the API mails each registered payer a verification link through
// it (no worker here: the mails stay queued); with none to reach, the set-up's starts failed and retried into the
// measured runs (2% of the API's CPU in a profile), a cost the module's side did not pay
await withBenchDatabase({ maxConnections: 1, temporal: true }, async ({ sql, pg, temporalAddress }) => {
  // the module's own pool counts its statements as the API's does (the same debug hook, so the same cost per statement)
  let statements = 0;
  const modulePool = createSql(pg.url('bench'), { max: 10, onStatement: () => statements++ });
  const writer = new LedgerWriter(modulePool, writeBatchesInFlight());
  const figures: Figures[] = [];

  // 1a. one hot account: every transfer debits the same user (the worst case for row locks)
  await writer.submit({
    transfers: [
      { kind: 'posted', key: 'fund:hot', debit: 'equity:adjustments', credit: 'user:hot', currency: 'USD', amount: 10n ** 15n },
    ],
  });
  const hotRun = (concurrency: number, round = 0) =>
    runConcurrently(TRANSFERS, concurrency, async (i) => {
      const outcome = await writer.submit({
        transfers: [
          {
            kind: 'posted',
            key: `hot:${concurrency}:${round}:${i}`,
            debit: 'user:hot',
            credit: `user:sink${i % 100}`,
            currency: 'USD',
            amount: 1n,
          },
        ],
      });
      if (!outcome.ok) throw new Error(outcome.error.message);
    });
  const hot = await hotRun(256);
  figures.push({ name: 'ledger module, one hot account', operations: TRANSFERS, ...hot });

  // 1b. spread accounts: 1,000 users paying each other
  const users = 1_000;
  await Promise.all(
    Array.from({ length: users }, (_, u) =>
      writer.submit({
        transfers: [
          {
            kind: 'posted',
            key: `fund:${u}`,
            debit: 'equity:adjustments',
            credit: `user:u${u}`,
            currency: 'EUR',
            amount: 10n ** 12n,
          },
        ],
      }),
    ),
  );
  const spreadRun = (concurrency: number, round = 0) =>
    runConcurrently(TRANSFERS, concurrency, async (i) => {
      const outcome = await writer.submit({
        transfers: [
          {
            kind: 'posted',
            key: `spread:${concurrency}:${round}:${i}`,
            debit: `user:u${i % users}`,
            credit: `user:u${(i * 7 + 1) % users}`,
            currency: 'EUR',
            amount: 1n,
          },
        ],
      });
      if (!outcome.ok) throw new Error(outcome.error.message);
    });
  const spread = await spreadRun(256);
  figures.push({ name: 'ledger module, spread accounts', operations: TRANSFERS, ...spread });

  // 2. the API process: POST /v1/transfers from concurrent keep-alive clients
  await pg.ensureDatabase('api');
  const port = await freePort();
  const admin = { email: 'admin@bench.test', password: 'bench admin password' };
  const api = spawnEntryPoint('api', {
    nodeArgs: apiNodeArgs(),
    ...apiOutput(),
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATABASE_URL: pg.url('api'),
      DATABASE_POOL_MAX: '20',
      TEMPORAL_ADDRESS: temporalAddress!,
      SECRET_KEY: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      ...apiProcessEnv(),
    },
  });
  const comparisons: Comparison[] = [];
  /** CPU per request of every process of the stack during each API run (bench/support/stack-cpu.ts). */
  const stackCpuLines: string[] = [];
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const client = new ApiClient(baseUrl);
    const agent = keepAliveAgent(CONCURRENCY);
    await waitUntil(
      'the API',
      () =>
        client.get('/openapi.json').then((r) => {
          if (r.status !== 200) throw new Error(String(r.status));
        }),
      // its start-up (a fresh database to migrate) twice took over the default 30 s with other work loading the 2 cores
      { process: api, timeoutMs: 120_000 },
    );
    const adminToken = await client.login(admin.email, admin.password);
    const payers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.signUp(`payer${i}@bench.test`)));
    const payee = await client.signUp('payee@bench.test');
    await Promise.all(
      payers.map((p, i) =>
        client.post(
          '/v1/ops/adjustments',
          { user_id: p.id, currency: 'USD', amount: '1000000.00', reason: 'bench funding' },
          { token: adminToken, headers: { 'idempotency-key': `fund-${i}` } },
        ),
      ),
    );

    const transfer = (keyPrefix: string, payer: { token: string }, i: number) =>
      post(agent, `${baseUrl}/v1/transfers`, payer.token, `${keyPrefix}-${i}`, {
        to_user_id: payee.id,
        currency: 'USD',
        amount: '0.01',
      }).then((status) => {
        if (status !== 201) throw new Error(`POST /v1/transfers answered ${status}`);
      });
    const scenarios = [
      ['hot', 'one hot payer', () => payers[0]!, hotRun],
      ['spread', '50 payers', (i: number) => payers[i % payers.length]!, spreadRun],
    ] as const;
    // as the module's runs follow its own warm-up (a run of each scenario, 20,000 transfers), so do the API's: the
    // scenarios in the order the rounds take them, twice. With 1,000 requests of 50 payers, round 1's hot payer cost the
    // API 0.18–0.22 ms of CPU a request against 0.10–0.15 later; after one run of each, 0.14–0.15 (six runs); after two,
    // 0.127 against 0.112 (one run; that the first change of scenario made V8 optimise again is a guess)
    for (const cycle of [1, 2])
      for (const [keyPrefix, , payerOf] of scenarios)
        await runConcurrently(REQUESTS, CONCURRENCY, (i) => transfer(`warm-up-${cycle}-${keyPrefix}`, payerOf(i), i));

    // every measured run, the module's and the API's, starts from vacuumed tables in both databases: otherwise
    // autovacuum runs where the rows written so far cross its thresholds, inside whichever run that is
    const apiSql = createSql(pg.url('api'), { max: 1 });
    const vacuumBoth = async () => {
      await vacuumed(sql);
      await vacuumed(apiSql);
    };

    // each round: the module at the API's concurrency (a batch holds at most that many requests), then the API
    for (let round = 1; round <= ROUNDS; round++)
      for (const [keyPrefix, name, payerOf, moduleRun] of scenarios) {
        await vacuumBoth();
        const statementsBefore = statements;
        const [[module, ownGc], moduleCpu] = await withStackCpu(TRANSFERS, () => withOwnGc(() => moduleRun(CONCURRENCY, round)));
        const scenario = `${name}, round ${round}`;
        stackCpuLines.push(
          `${scenario}, the module: ${((statements - statementsBefore) / TRANSFERS).toFixed(2)} SQL statements per transfer\n` +
            `${formatStackCpu(moduleCpu, 'transfer')}\n${formatOwnGc(ownGc, TRANSFERS)}`,
        );
        figures.push({
          name: `ledger module at concurrency ${CONCURRENCY}, ${name}, round ${round}`,
          operations: TRANSFERS,
          ...module,
        });
        await vacuumBoth();
        const [[run, sqlPerRequest, apiCpuMs, runtime], stackCpu] = await withStackCpu(REQUESTS, () =>
          countingSql(baseUrl, REQUESTS, () =>
            runConcurrently(REQUESTS, CONCURRENCY, (i) => transfer(`${keyPrefix}-${round}`, payerOf(i), i)),
          ),
        );
        stackCpuLines.push(
          `${scenario}, the API:\n${formatStackCpu(stackCpu, 'request')}\n${formatApiRuntime(runtime, run.seconds, REQUESTS)}`,
        );
        figures.push({ name: `API POST /v1/transfers, ${scenario}`, operations: REQUESTS, ...run });
        comparisons.push({
          scenario,
          inProcessPerSecond: TRANSFERS / module.seconds,
          apiPerSecond: REQUESTS / run.seconds,
          apiP99Ms: percentile(
            [...run.latenciesMs].sort((a, b) => a - b),
            99,
          ),
          sqlPerRequest,
          apiCpuMs,
          clientCpuMs: run.cpuMs / REQUESTS,
          inProcessCpuMs: module.cpuMs / TRANSFERS,
          ...stackCpuOfBoth(moduleCpu, stackCpu),
        });
      }
    agent.destroy();
    await apiSql.end();
  } finally {
    await api.stop();
  }
  await modulePool.end();
  const audit = await recomputeLedger(sql);
  if (!audit.ok) throw new Error('the ledger does not balance after the benchmark');
  await sql.end();

  printFigures(
    `Ledger benchmark (2 cores shared by PostgreSQL, the API and this load generator; concurrency ${CONCURRENCY} for the API)`,
    figures,
  );
  printComparisons(`POST /v1/transfers against the ledger module, both at concurrency ${CONCURRENCY}, this run`, comparisons);
  for (const name of ['one hot payer', '50 payers']) {
    console.log(
      roundsLine(
        name,
        comparisons.filter((c) => c.scenario.startsWith(name)),
      ),
    );
  }
  console.log(stackCpuLines.join('\n'));
});
process.exit(0);

/** Both sides' whole-stack CPU per transfer, where /proc was read for both. */
function stackCpuOfBoth(inProcess: StackCpuDelta | undefined, api: StackCpuDelta | undefined) {
  const [a, b] = [stackCpuPerRequest(inProcess), stackCpuPerRequest(api)];
  return a !== undefined && b !== undefined ? { stackCpuMs: { inProcess: a, api: b } } : {};
}
