/**
 * Benchmark: XRPL payments from the transaction stream to Postgres. The rippled test double streams varied real
 * mainnet payments to the real listener process (workers/listener-xrpl.ts) on embedded PostgreSQL; the figures come
 * from the rows it wrote. Prints the sustained rate under more load than it can take, and end-to-end latency
 * (stream send → row committed) percentiles at the target rate of 3,000 payments/s.
 *
 *   node --import tsx bench/xrpl-ingest.ts [saturation payments] [target seconds]
 *   (KEEP_BENCH_DIR=1 keeps the logs; LISTENER_LOG_LEVEL=info shows the listener's)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LedgerTransaction } from '../test/support/rippled/payments.js';
import { waitUntil } from '../platform/embedded/process.js';
import { startXrplListenerStack, variedPayment } from './support/xrpl-listener-stack.js';

const WATCHED_ACCOUNTS = 50;
const SATURATION = { payments: Number(process.argv[2] ?? 100_000), perLedger: 2_000, everyMs: 40 }; // offers 50,000/s
const TARGET = { rate: 3_000, seconds: Number(process.argv[3] ?? 15), everyMs: 250 };

const publishedAt = new Map<string, number>();
const { sql, rippled, accounts, listener, stop } = await startXrplListenerStack('bench-xrpl', {
  accounts: WATCHED_ACCOUNTS,
  onPublish: (hash) => publishedAt.set(hash, Date.now()),
});

try {
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
  await stop();
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
      Array.from({ length: Math.min(perLedger, count - i) }, (_, j) =>
        variedPayment(accounts[(i + j) % accounts.length]!, i + j),
      ),
    );
  }
  const hashes = ledgers.flat().map((t) => t.tx.hash as string);
  const started = Date.now();
  for (const [n, ledger] of ledgers.entries()) {
    const due = started + n * everyMs;
    if (due > Date.now()) await sleep(due - Date.now());
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

function report(title: string, r: PhaseResult): void {
  const at = (q: number) => r.latenciesMs[Math.min(r.latenciesMs.length - 1, Math.floor(q * r.latenciesMs.length))]!.toFixed(0);
  console.log(`${title}
  stored     ${r.payments} payments in ${r.seconds.toFixed(2)} s = ${Math.round(r.payments / r.seconds)} payments/s
  latency    p50 ${at(0.5)} ms · p95 ${at(0.95)} ms · p99 ${at(0.99)} ms · max ${at(1)} ms   (stream send → row committed)
`);
}
