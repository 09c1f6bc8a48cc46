/**
 * Betting benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker processes):
 * bet placements per second and their latency through POST /v1/bets under concurrency, then how fast the event's
 * workflow settles those bets. Prints figures; asserts nothing about time.
 *
 *   node --import tsx bench/bets.ts      BENCH_BETS (10000 per run), BENCH_CONCURRENCY (runs: "16,32,64"), BENCH_USERS (100),
 *                                        BENCH_ROUNDS (3)
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts). The last lines
 * compare the API with BetPlacer called in-process, in the same run. Both move by a third between runs minutes apart
 * on a shared machine, so they alternate (the API's runs, then the placer's) for BENCH_ROUNDS rounds: every round's
 * ratio and p99 are printed, and their medians. So that every round measures the same thing, both sides run after a
 * warm-up, the first round once the worker and Temporal have finished what the set-up gave them, and every measured run
 * after a VACUUM (ANALYZE) (pg-activity.ts, `vacuumed`).
 */
import { BetPlacer } from '../services/betting/placement.js';
import { createSql } from '../platform/db/client.js';
import { betEventWorkflowId, type BetEventWorkflow } from '../workflows/betting/messages.js';
import { DEFAULT_PAGE_SIZE } from '../workflows/betting/messages.js';
import { printComparisons, roundsLine, writeBatchesInFlight, type Comparison } from './support/api-process.js';
import { benchConcurrencies, benchNumber, comparison, runsThroughApi } from './support/api-runs.js';
import { drive, fundedUsers, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { keepAliveAgent, post } from './support/http-post.js';
import { formatStackCpu, stackQuiet, withStackCpu } from './support/stack-cpu.js';
import { formatPgActivity, vacuumed, withPgActivity } from './support/pg-activity.js';
import { formatOwnGc, withOwnGc } from './support/own-gc.js';
import { apiBatchPhases, BatchPhaseSums, formatBatchPhases } from './support/bet-batches.js';
import type { Sql } from '../platform/db/client.js';

const BETS = benchNumber('BETS', 10_000);
const CONCURRENCY = benchConcurrencies('16,32,64');
const USERS = benchNumber('USERS', 100);
const ROUNDS = benchNumber('ROUNDS', 3);

await withApiStack('bets', run);

async function run(stack: ApiStack) {
  const { api, baseUrl, databaseUrl, adminToken, temporal: temporalClient } = stack;
  console.log(`setting up: ${USERS} funded users…`);
  const users = await fundedUsers(stack, USERS, 'bettor', { USD: '1000000.00' });
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

  // the API warms up as the placer does below, with whole runs, at each measured concurrency in the rounds' order,
  // twice: after 1,000 placements at the first, round 1 at 32 cost the API 0.21–0.27 ms of CPU a bet against 0.16–0.21
  // later (five runs); after one pass 0.211 against 0.184–0.195, after two 0.189 against 0.157–0.170 (a run each). Each
  // run on an event of its own: the keys name the event and the request's number, so on one event every run after the
  // first was all replays, which neither hold a stake nor insert a bet (the API traced 2–3 PostgreSQL writes a batch
  // against 5–7, session 15)
  console.log(`warming up: ${BETS} placements at each concurrency, twice…`);
  for (const _pass of [1, 2])
    for (const concurrency of CONCURRENCY) await drive(BETS, concurrency, overHttp(await publish('1.50')));

  const sql = createSql(databaseUrl, { max: 10 });
  const inProcessPhases = new BatchPhaseSums();
  const placer = new BetPlacer(sql, { batchesInFlight: writeBatchesInFlight(), onBatch: (p) => inProcessPhases.add(p) });
  const inProcess = (eventId: string, keyPrefix: string) => async (n: number) => {
    const outcome = await placer.place({
      userId: users[n % users.length]!.id,
      eventId,
      currency: 'USD',
      amount: 125n,
      idempotencyKey: `${keyPrefix}-${n}`,
    });
    return outcome.ok;
  };
  // the API's runs follow its warm-up: so do the placer's, or its first round pays for JIT, its pool's connections and
  // their prepared statements (round 1's in-process figure was the lowest of the three in every run of session 11).
  // A whole run's worth: with 1,000 (16 batches) round 1 was still the lowest (session 12), so now every measured
  // in-process run follows one of the same size, as rounds 2 and 3 always did
  await drive(BETS, 64, inProcess(await publish('1.50'), 'd-warm-up'));
  console.log(`  ${await stackQuiet(['worker', 'temporal'])}`);
  const comparisons: Comparison[] = [];
  let eventId = '';
  // where each run's batches spent their time (bet-batches.ts): the API's totals since the run before
  let apiPhases = await apiBatchPhases(baseUrl);
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(
      `\nround ${round} of ${ROUNDS}, bet placement: POST /v1/bets, ${BETS} bets per run on one event, from ${USERS} users`,
    );
    const runs = await runsThroughApi(
      baseUrl,
      BETS,
      CONCURRENCY,
      'bet',
      async () => {
        await vacuumed(sql);
        eventId = await publish('1.85');
        return overHttp(eventId);
      },
      async () => {
        const phases = await apiBatchPhases(baseUrl);
        console.log(formatBatchPhases(phases.since(apiPhases)));
        apiPhases = phases;
        console.log(await batchSizes(sql, eventId));
      },
      sql,
    );

    // the same placements without HTTP, auth and JSON: what the database path alone sustains
    await vacuumed(sql);
    const direct = await publish('1.85');
    const phasesBefore = inProcessPhases.copy();
    const [[[withoutHttp, ownGc], stackCpu], pg] = await withPgActivity(sql, BETS, () =>
      withStackCpu(BETS, () => withOwnGc(() => drive(BETS, 64, inProcess(direct, `d-${round}`)))),
    );
    console.log('  BetPlacer called in-process (no HTTP), for comparison:');
    printRun(64, withoutHttp);
    console.log(formatStackCpu(stackCpu, 'bet'));
    console.log(formatOwnGc(ownGc, BETS));
    console.log(formatPgActivity(pg, 'bet'));
    console.log(formatBatchPhases(inProcessPhases.since(phasesBefore)));
    console.log(await batchSizes(sql, direct));
    comparisons.push(
      ...runs.map((r) => comparison(`round ${round}, concurrency ${r.concurrency} (in-process at 64)`, r, withoutHttp)),
    );
  }
  await sql.end();
  printComparisons('POST /v1/bets against BetPlacer in-process, this run', comparisons);
  for (const concurrency of CONCURRENCY) {
    console.log(
      roundsLine(
        `at ${concurrency}`,
        comparisons.filter((c) => c.scenario.includes(`concurrency ${concurrency} `)),
      ),
    );
  }

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

/**
 * The group-commit batches an event's bets went in: a batch stamps its bets with one clock reading (placement.ts), so
 * the bets sharing a `placed_at` are one batch. Larger batches cost PostgreSQL less per bet.
 */
async function batchSizes(sql: Sql, eventId: string): Promise<string> {
  const [row] = await sql`
    select count(*)::int as batches, avg(n)::float as mean,
           percentile_cont(0.5) within group (order by n)::float as median, max(n)::int as max,
           (array_agg(n order by placed_at))[51:62] as sample
    from (select placed_at, count(*)::int as n from bets where event_id = ${eventId} group by placed_at) b`;
  const { batches, mean, median, max, sample } = row!;
  return `  batches: ${batches}, bets per batch mean ${(mean as number).toFixed(1)}, median ${median}, max ${max}; the 51st to 62nd in order: ${(sample as number[]).join(' ')}`;
}
