/**
 * Benchmark: XRPL payments from the transaction stream to Postgres. The rippled test double streams varied real
 * mainnet payments to the real listener process (workers/listener-xrpl.ts) on embedded PostgreSQL; the figures come
 * from the rows it wrote. Prints the sustained rate under more load than it can take, and end-to-end latency
 * (stream send → row committed) percentiles at the target rate of 3,000 payments/s.
 *
 *   node --import tsx bench/xrpl-ingest.ts [saturation payments] [target seconds]
 *   (KEEP_BENCH_DIR=1 keeps the logs; LISTENER_LOG_LEVEL=info shows the listener's)
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { createSql } from '../platform/db/client.js';
import { migrate } from '../platform/db/migrate.js';
import { recordBackfillCompleted, watchAccount } from '../services/xrpl-tracking/accounts-store.js';
import { freePort } from '../test/support/ports.js';
import { issuedPayment, randomAddress, xrpPayment, type LedgerTransaction } from '../test/support/rippled/payments.js';
import { FakeRippled } from '../test/support/rippled/server.js';
import { startEmbeddedPostgres } from '../platform/embedded/postgres.js';
import { spawnEntryPoint, waitUntil } from '../platform/embedded/process.js';
import { startTemporalDevServer } from '../platform/embedded/temporal.js';
import { ensureSearchAttributes } from '../platform/temporal/setup.js';
import { temporalCliPath } from '../platform/tools.js';

const WATCHED_ACCOUNTS = 50;
const SATURATION = { payments: Number(process.argv[2] ?? 100_000), perLedger: 2_000, everyMs: 40 }; // offers 50,000/s
const TARGET = { rate: 3_000, seconds: Number(process.argv[3] ?? 15), everyMs: 250 };

const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-xrpl-'));
await chmod(dir, 0o755);
const pg = await startEmbeddedPostgres({
  dataDir: join(dir, 'postgres'),
  port: await freePort(),
  password: 'bench',
  persistent: false,
});
await pg.ensureDatabase('bench');
const sql = createSql(pg.url('bench'), { max: 4 });
await migrate(sql);
const temporal = await startTemporalDevServer({
  cli: temporalCliPath(),
  port: await freePort(),
  logFile: join(dir, 'temporal.log'),
});
// as the worker would: the listener starts backfills tagged with Sluice's search attributes
const connection = await Connection.connect({ address: temporal.address });
await ensureSearchAttributes(connection, 'default', pino({ level: 'silent' }));
await connection.close();

const publishedAt = new Map<string, number>();
const rippled = await FakeRippled.start({ onPublish: (hash) => publishedAt.set(hash, Date.now()) });
const accounts = Array.from({ length: WATCHED_ACCOUNTS }, randomAddress);
for (const address of accounts) {
  await watchAccount(sql, { address, label: null });
  await recordBackfillCompleted(sql, address, rippled.validatedLedger);
}
const listener = spawnEntryPoint('listener-xrpl', {
  env: {
    ...process.env,
    DATABASE_URL: pg.url('bench'),
    TEMPORAL_ADDRESS: temporal.address,
    XRPL_URL: rippled.url,
    LOG_LEVEL: process.env.LISTENER_LOG_LEVEL ?? 'warn',
  },
  logFile: join(dir, 'listener.log'),
});

try {
  // followed live once every account's checkpoint moves past where its history was complete
  const before = rippled.validatedLedger;
  await waitUntil(
    'the listener following every account',
    async () => {
      rippled.closeLedger();
      const [row] = await sql`select count(*)::int as n from xrpl_accounts where complete_through_ledger > ${before}`;
      if (row!.n !== WATCHED_ACCOUNTS) throw new Error(`${row!.n} of ${WATCHED_ACCOUNTS}`);
    },
    { timeoutMs: 60_000, intervalMs: 300, process: listener },
  );

  console.log(
    `XRPL ingest: rippled double → listener process (xrpl.js) → PostgreSQL; ${WATCHED_ACCOUNTS} watched accounts, 80% XRP / 20% cross-currency payments\n`,
  );
  const saturated = await phase(SATURATION.payments, SATURATION.perLedger, SATURATION.everyMs);
  report(
    `saturation: ${SATURATION.payments} payments offered at ${(SATURATION.perLedger * 1000) / SATURATION.everyMs}/s`,
    saturated,
  );
  const perLedger = (TARGET.rate * TARGET.everyMs) / 1000;
  const target = await phase(TARGET.rate * TARGET.seconds, perLedger, TARGET.everyMs);
  report(`target: ${TARGET.rate}/s for ${TARGET.seconds} s (ledgers of ${perLedger} every ${TARGET.everyMs} ms)`, target);
} finally {
  await listener.stop('SIGTERM');
  await rippled.close();
  await temporal.stop();
  await sql.end();
  await pg.stop();
  if (process.env.KEEP_BENCH_DIR) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}

interface PhaseResult {
  payments: number;
  seconds: number;
  latenciesMs: number[];
}

/** Streams `count` payments in ledgers of `perLedger` every `everyMs`, then reads back when each was committed. */
async function phase(count: number, perLedger: number, everyMs: number): Promise<PhaseResult> {
  const ledgers: LedgerTransaction[][] = [];
  for (let i = 0; i < count; i += perLedger) {
    ledgers.push(
      Array.from({ length: Math.min(perLedger, count - i) }, (_, j) => paymentTo(accounts[(i + j) % accounts.length]!, i + j)),
    );
  }
  const hashes = ledgers.flat().map((t) => t.tx.hash as string);
  const started = Date.now();
  for (const [n, ledger] of ledgers.entries()) {
    const due = started + n * everyMs;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    rippled.closeLedger(ledger);
  }
  rippled.closeLedger();
  await waitUntil(
    'every payment stored',
    async () => {
      const [row] = await sql`select count(*)::int as n from xrpl_payments where hash = any(${sql.array(hashes)}::text[])`;
      if (row!.n !== count) throw new Error(`${row!.n} of ${count}`);
    },
    { timeoutMs: 300_000, intervalMs: 200, process: listener },
  );
  const rows = await sql`
    select hash, (extract(epoch from recorded_at) * 1000)::float8 as at from xrpl_payments where hash = any(${sql.array(hashes)}::text[])`;
  const latenciesMs = rows.map((r) => (r.at as number) - publishedAt.get(r.hash as string)!).sort((a, b) => a - b);
  const firstSent = Math.min(...hashes.map((h) => publishedAt.get(h)!));
  const lastStored = Math.max(...rows.map((r) => r.at as number));
  return { payments: count, seconds: (lastStored - firstSent) / 1000, latenciesMs };
}

function paymentTo(account: string, i: number): LedgerTransaction {
  const from = randomAddress();
  return i % 5 === 4
    ? issuedPayment({ from, to: account, currency: 'USD', issuer: 'rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B', value: `${i}.25` })
    : xrpPayment({ from, to: account, drops: BigInt(1_000 + i), tag: i % 1_000 });
}

function report(title: string, r: PhaseResult): void {
  const at = (q: number) => r.latenciesMs[Math.min(r.latenciesMs.length - 1, Math.floor(q * r.latenciesMs.length))]!.toFixed(0);
  console.log(`${title}
  stored     ${r.payments} payments in ${r.seconds.toFixed(2)} s = ${Math.round(r.payments / r.seconds)} payments/s
  latency    p50 ${at(0.5)} ms · p95 ${at(0.95)} ms · p99 ${at(0.99)} ms · max ${at(1)} ms   (stream send → row committed)
`);
}
