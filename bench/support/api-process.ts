/**
 * What the benches pass to the API process they spawn, and what they read back from it:
 *   BENCH_API_PROCESSES      → API_PROCESSES (unset: the API's own default)
 *   WRITE_BATCHES_IN_FLIGHT  → the same (unset: the default), and to the engines the benches run in-process
 *   BENCH_API_NODE_ARGS      → node's own flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the API
 *                              (each of its processes writes a profile when it exits)
 *   BENCH_API_LOG            → a file the API's output is appended to, where a bench would otherwise drop it (what
 *                              it said when it did not start; --trace-gc-nvp's lines, to count bytes allocated)
 * and always throttles no bench reaches (`MANY_USERS_FROM_ONE_ADDRESS`): a bench signs its users up and in from one address.
 */
import { loadConfig } from '../../platform/config.js';
import { percentile } from './stats.js';
import { metricSamples } from '../../test/support/metrics.js';
import { MANY_USERS_FROM_ONE_ADDRESS } from '../../test/support/one-address-env.js';

export function apiProcessEnv(): Record<string, string> {
  return {
    ...MANY_USERS_FROM_ONE_ADDRESS,
    ...(process.env.BENCH_API_PROCESSES ? { API_PROCESSES: process.env.BENCH_API_PROCESSES } : {}),
    ...(process.env.WRITE_BATCHES_IN_FLIGHT ? { WRITE_BATCHES_IN_FLIGHT: process.env.WRITE_BATCHES_IN_FLIGHT } : {}),
  };
}

/** The group-commit batches in flight the API runs with, for the same engine called in-process. */
export function writeBatchesInFlight(): number {
  return loadConfig({ SLUICE_ENV: 'dev', WRITE_BATCHES_IN_FLIGHT: process.env.WRITE_BATCHES_IN_FLIGHT }).WRITE_BATCHES_IN_FLIGHT;
}

/** How a bench that does not keep the API's output spawns it: into BENCH_API_LOG, or nowhere. */
export function apiOutput(): { output: 'file'; logFile: string } | { output: 'ignore' } {
  const logFile = process.env.BENCH_API_LOG;
  return logFile ? { output: 'file', logFile } : { output: 'ignore' };
}

export function apiNodeArgs(): string[] {
  return process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
}

/** The API's /metrics (all its processes), as sample → value ("name" or "name{labels}"). */
export async function apiMetrics(baseUrl: string): Promise<Map<string, number>> {
  return metricSamples(await (await fetch(`${baseUrl}/metrics`)).text());
}

function sample(samples: Map<string, number>, name: string): number {
  const value = samples.get(name);
  if (value === undefined) throw new Error(`/metrics has no ${name}`);
  return value;
}

/** The API's count of SQL statements sent so far (all its processes), from /metrics. */
export async function sqlStatementsSent(baseUrl: string): Promise<number> {
  return sample(await apiMetrics(baseUrl), 'sluice_sql_statements_total');
}

/**
 * What the API's runtime did during a run, from prom-client's default metrics: the event loop's delay (node's
 * monitorEventLoopDelay, which the scrape before the run reset) and the garbage collector's pauses by kind (minor:
 * scavenges; major: mark-compact; incremental: marking steps).
 */
export interface ApiRuntime {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gc: Array<{ kind: string; pauses: number; ms: number; over10ms: number }>;
}

const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'];
/** prom-client's sampling interval of the loop: node records each interval whole, so this much is no delay. */
const LOOP_SAMPLING_MS = 10;

function runtimeBetween(before: Map<string, number>, after: Map<string, number>): ApiRuntime {
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  return {
    loopDelayP99Ms: 1000 * sample(after, 'nodejs_eventloop_lag_p99_seconds') - LOOP_SAMPLING_MS,
    loopDelayMaxMs: 1000 * sample(after, 'nodejs_eventloop_lag_max_seconds') - LOOP_SAMPLING_MS,
    gc: GC_KINDS.map((kind) => {
      const pauses = delta(`nodejs_gc_duration_seconds_count{kind="${kind}"}`);
      return {
        kind,
        pauses,
        ms: 1000 * delta(`nodejs_gc_duration_seconds_sum{kind="${kind}"}`),
        over10ms: pauses - delta(`nodejs_gc_duration_seconds_bucket{le="0.01",kind="${kind}"}`),
      };
    }).filter((g) => g.pauses > 0),
  };
}

/**
 * One line: the loop's delay and the collector's pauses during a run, per second of it and per 1,000 calls. The count
 * per call follows the allocations, not the machine's load (a scavenge runs when the young generation is full), so it
 * compares runs taken while other work shares the cores; the pauses are wall time, which load stretches.
 */
export function formatApiRuntime(runtime: ApiRuntime, seconds: number, calls: number): string {
  const gc = runtime.gc
    .map(
      (g) =>
        `${g.kind} ${Math.round(g.pauses / seconds)}/s ${(g.ms / seconds).toFixed(1)} ms/s, ` +
        `${((1000 * g.pauses) / calls).toFixed(1)} per 1,000 calls of ${(g.ms / g.pauses).toFixed(1)} ms mean (${g.over10ms} over 10 ms)`,
    )
    .join('; ');
  return `  API event loop delay p99 ${runtime.loopDelayP99Ms.toFixed(1)} ms, max ${runtime.loopDelayMaxMs.toFixed(1)} ms; GC ${gc || 'none'}`;
}

/**
 * Runs `work` and returns its result with what each request cost the API meanwhile: SQL statements sent, CPU
 * milliseconds (process_cpu_seconds_total: where the 2 cores go, beside the client's and PostgreSQL's share), and what
 * its runtime did (event-loop delay, GC pauses).
 */
export async function countingSql<T>(
  baseUrl: string,
  requests: number,
  work: () => Promise<T>,
): Promise<[T, number, number, ApiRuntime]> {
  const before = await apiMetrics(baseUrl);
  const result = await work();
  const after = await apiMetrics(baseUrl);
  const counted = (name: string) => (sample(after, name) - sample(before, name)) / requests;
  return [
    result,
    counted('sluice_sql_statements_total'),
    1000 * counted('process_cpu_seconds_total'),
    runtimeBetween(before, after),
  ];
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
  /**
   * The whole stack's CPU ms per request (every process: PostgreSQL's too) in each side's run. On a machine other work
   * keeps busy, each run's throughput follows the share of the cores it got, which moves from run to run; what a
   * request costs does not, so their ratio sets the two sides against each other as if they had the same share.
   */
  stackCpuMs?: { inProcess: number; api: number };
}

/** The in-process side's stack CPU per request over the API side's: API ÷ in-process at the same share of the cores. */
const perCpuRatio = (r: Comparison) => r.stackCpuMs && r.stackCpuMs.inProcess / r.stackCpuMs.api;

/** The line the issue asks every bench for: the engine alone, the same through the API, their ratio. */
export function printComparisons(title: string, rows: Comparison[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      scenario: r.scenario,
      'in-process/s': Math.round(r.inProcessPerSecond),
      'API/s': Math.round(r.apiPerSecond),
      'API ÷ in-process': `${Math.round((100 * r.apiPerSecond) / r.inProcessPerSecond)}%`,
      ...(r.stackCpuMs ? { 'at equal CPU': `${Math.round(100 * perCpuRatio(r)!)}%` } : {}),
      'API p99 ms': +r.apiP99Ms.toFixed(1),
      'SQL statements per request': +r.sqlPerRequest.toFixed(2),
      ...cpuColumns(r),
    })),
  );
}

/**
 * One scenario's rounds (the engine and the API alternate, as the engine alone swings between runs): each round's
 * ratio and p99, sorted, and their medians.
 */
export function roundsLine(name: string, rounds: Comparison[]): string {
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const ratios = sorted(rounds.map((c) => c.apiPerSecond / c.inProcessPerSecond));
  const p99s = sorted(rounds.map((c) => c.apiP99Ms));
  const percent = (ratio: number) => `${Math.round(100 * ratio)}%`;
  const perCpu = sorted(rounds.flatMap((c) => perCpuRatio(c) ?? []));
  return (
    `${name}: API ÷ in-process by round (sorted) ${ratios.map(percent).join(', ')}, median ${percent(percentile(ratios, 50))}; ` +
    `p99 ${p99s.map((p) => p.toFixed(1)).join(', ')} ms, median ${percentile(p99s, 50).toFixed(1)} ms` +
    (perCpu.length === rounds.length
      ? `; at equal CPU (stack CPU per request) ${perCpu.map(percent).join(', ')}, median ${percent(percentile(perCpu, 50))}`
      : '')
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
