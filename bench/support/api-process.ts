/**
 * What the benches pass to the API process they spawn, and what they read back from it:
 *   BENCH_API_PROCESSES      → API_PROCESSES (unset: the API's own default)
 *   WRITE_BATCHES_IN_FLIGHT  → the same (unset: the default), and to the engines the benches run in-process
 *   BENCH_API_NODE_ARGS      → node's own flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the API
 *                              (each of its processes writes a profile when it exits)
 */
import { loadConfig } from '../../platform/config.js';

export function apiProcessEnv(): Record<string, string> {
  return {
    ...(process.env.BENCH_API_PROCESSES ? { API_PROCESSES: process.env.BENCH_API_PROCESSES } : {}),
    ...(process.env.WRITE_BATCHES_IN_FLIGHT ? { WRITE_BATCHES_IN_FLIGHT: process.env.WRITE_BATCHES_IN_FLIGHT } : {}),
  };
}

/** The group-commit batches in flight the API runs with, for the same engine called in-process. */
export function writeBatchesInFlight(): number {
  return loadConfig({ SLUICE_ENV: 'dev', WRITE_BATCHES_IN_FLIGHT: process.env.WRITE_BATCHES_IN_FLIGHT }).WRITE_BATCHES_IN_FLIGHT;
}

export function apiNodeArgs(): string[] {
  return process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
}

/** The API's count of SQL statements sent so far (all its processes), from /metrics. */
export async function sqlStatementsSent(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('sluice_sql_statements_total '));
  if (!line) throw new Error('/metrics has no sluice_sql_statements_total');
  return Number(line.split(' ')[1]);
}

/** Runs `work` and returns its result with the SQL statements the API sent per request meanwhile. */
export async function countingSql<T>(baseUrl: string, requests: number, work: () => Promise<T>): Promise<[T, number]> {
  const before = await sqlStatementsSent(baseUrl);
  const result = await work();
  const after = await sqlStatementsSent(baseUrl);
  return [result, (after - before) / requests];
}

export interface Comparison {
  scenario: string;
  inProcessPerSecond: number;
  apiPerSecond: number;
  apiP99Ms: number;
  sqlPerRequest: number;
}

/** The line the issue asks every bench for: the engine alone, the same through the API, their ratio. */
export function printComparisons(title: string, rows: Comparison[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      scenario: r.scenario,
      'in-process/s': Math.round(r.inProcessPerSecond),
      'API/s': Math.round(r.apiPerSecond),
      'API ÷ in-process': `${Math.round((100 * r.apiPerSecond) / r.inProcessPerSecond)}%`,
      'API p99 ms': +r.apiP99Ms.toFixed(1),
      'SQL statements per request': +r.sqlPerRequest.toFixed(2),
    })),
  );
}
