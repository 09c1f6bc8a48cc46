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

/** A counter of the API's /metrics (all its processes added up). */
async function apiCounter(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name}`);
  return Number(line.split(' ')[1]);
}

/** The API's count of SQL statements sent so far (all its processes), from /metrics. */
export function sqlStatementsSent(baseUrl: string): Promise<number> {
  return apiCounter(baseUrl, 'sluice_sql_statements_total');
}

/**
 * Runs `work` and returns its result with what each request cost the API meanwhile: SQL statements sent, and CPU
 * milliseconds (process_cpu_seconds_total: where the 2 cores go, beside the client's and PostgreSQL's share).
 */
export async function countingSql<T>(baseUrl: string, requests: number, work: () => Promise<T>): Promise<[T, number, number]> {
  const [sqlBefore, cpuBefore] = await Promise.all([
    sqlStatementsSent(baseUrl),
    apiCounter(baseUrl, 'process_cpu_seconds_total'),
  ]);
  const result = await work();
  const [sqlAfter, cpuAfter] = await Promise.all([sqlStatementsSent(baseUrl), apiCounter(baseUrl, 'process_cpu_seconds_total')]);
  return [result, (sqlAfter - sqlBefore) / requests, (1000 * (cpuAfter - cpuBefore)) / requests];
}

export interface Comparison {
  scenario: string;
  inProcessPerSecond: number;
  apiPerSecond: number;
  apiP99Ms: number;
  sqlPerRequest: number;
  /** CPU ms per request: of the API process(es), of the bench's client, and of the bench running the engine alone. */
  apiCpuMs?: number;
  clientCpuMs?: number;
  inProcessCpuMs?: number;
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
      ...cpuColumns(r),
    })),
  );
}

function cpuColumns(r: Comparison): Record<string, number> {
  const ms = (value: number | undefined) => (value === undefined ? [] : [+value.toFixed(3)]);
  return Object.fromEntries(
    [
      ['API CPU ms/request', ms(r.apiCpuMs)],
      ['client CPU ms/request', ms(r.clientCpuMs)],
      ['in-process CPU ms/request', ms(r.inProcessCpuMs)],
    ].flatMap(([name, value]) => (value!.length ? [[name, value![0]]] : [])),
  );
}
