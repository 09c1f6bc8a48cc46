/**
 * What PostgreSQL did during a run, per request, from its cumulative statistics views read before and after:
 * transactions, rows written, buffers, WAL (records, bytes, full-page images, flushes) and the autovacuum and
 * checkpoint work that ran meanwhile. Set side by side for a run through the API and the engine called in-process, it
 * shows whether the API path writes rows or commits the placer alone does not, or only pays more per commit.
 */
import { setTimeout as settle } from 'node:timers/promises';
import type { Sql } from '../../platform/db/client.js';

type Counters = Record<string, number>;

/** One reading of the server-wide counters (stats are flushed by each backend at most once a second: see withPgActivity). */
async function read(sql: Sql): Promise<Counters> {
  const [db] = await sql`
    select xact_commit::float8 as commits, xact_rollback::float8 as rollbacks, tup_inserted::float8 as inserted,
           tup_updated::float8 as updated, tup_deleted::float8 as deleted, blks_hit::float8 as hits,
           blks_read::float8 as reads
    from pg_stat_database where datname = current_database()`;
  const [wal] = await sql`
    select wal_records::float8 as walrecords, wal_fpi::float8 as walfpi, wal_bytes::float8 as walbytes from pg_stat_wal`;
  // PostgreSQL 18 counts WAL writes and fsyncs in pg_stat_io
  const [io] = await sql`
    select coalesce(sum(writes), 0)::float8 as walwrites, coalesce(sum(fsyncs), 0)::float8 as walfsyncs
    from pg_stat_io where object = 'wal'`;
  const [maintenance] = await sql`
    select coalesce(sum(autovacuum_count + autoanalyze_count), 0)::float8 as autovacuums
    from pg_stat_user_tables`;
  const [checkpoints] = await sql`select num_timed::float8 + num_requested::float8 as checkpoints from pg_stat_checkpointer`;
  return { ...db, ...wal, ...io, ...maintenance, ...checkpoints } as Counters;
}

export interface PgActivity {
  perRequest: Counters;
  /** Counts over the whole run (autovacuum and checkpoint runs are few). */
  totals: Counters;
}

/**
 * Runs `work` and returns its result with what PostgreSQL did per request meanwhile (`sql` reads the stats). Backends
 * report their counters when they go idle, at most once a second (PGSTAT_MIN_INTERVAL); what one did in its last second
 * before idling waits until PGSTAT_IDLE_INTERVAL (10 s). A reading after a run waits that long: with 1 s, the
 * in-process run (a few seconds) measured 0.86 rows inserted per bet, which writes 2.
 */
export async function withPgActivity<T>(sql: Sql, requests: number, work: () => Promise<T>): Promise<[T, PgActivity]> {
  await settle(1_100);
  const before = await read(sql);
  const result = await work();
  await settle(10_500);
  const after = await read(sql);
  const totals = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
  const perRequest = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / requests]));
  return [result, { perRequest, totals }];
}

/**
 * VACUUM (ANALYZE) of the whole database, before a measured run of a bench that writes the same tables run after run.
 * Otherwise autovacuum runs when the rows written so far cross its thresholds: in bench/bets.ts always inside the
 * second round's run at 64 and the third round's in-process run (13 and 3–6 tables), whose figures alone paid for it.
 * Each run now starts from vacuumed tables with fresh statistics.
 */
export async function vacuumed(sql: Sql): Promise<void> {
  await sql`vacuum (analyze)`;
}

/** One line: per request, the commits, rows written, buffers and WAL; over the run, autovacuums and checkpoints. */
export function formatPgActivity(activity: PgActivity, unit: string): string {
  const p = activity.perRequest;
  const n = (value: number) => value.toFixed(value < 10 ? 3 : 0);
  return (
    `  PostgreSQL per ${unit}: ${n(p.commits!)} commits, ${n(p.rollbacks!)} rollbacks, rows ${n(p.inserted!)} inserted ` +
    `${n(p.updated!)} updated ${n(p.deleted!)} deleted, buffers ${n(p.hits!)} hit ${n(p.reads!)} read, ` +
    `WAL ${n(p.walrecords!)} records ${n(p.walbytes!)} bytes ${n(p.walfpi!)} full pages ${n(p.walwrites!)} writes ` +
    `${n(p.walfsyncs!)} fsyncs; in the run ${activity.totals.autovacuums} autovacuums/analyzes, ` +
    `${activity.totals.checkpoints} checkpoints`
  );
}
