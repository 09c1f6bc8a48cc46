/**
 * The part every API bench shares: its settings from the environment, its runs through the API at each concurrency
 * (with the SQL statements and API CPU each request cost), and the line that sets one of them against the engine
 * called in-process.
 */
import { countingSql, formatApiRuntime, type ApiRuntime, type Comparison } from './api-process.js';
import { cpuMsPerCall, drive, percentileOf, perSecond, printRun, type Run } from './api-stack.js';
import { formatStackCpu, withStackCpu, type StackCpuDelta } from './stack-cpu.js';
import { formatPgActivity, withPgActivity } from './pg-activity.js';
import type { Sql } from '../../platform/db/client.js';

/** A whole number from BENCH_<name>, or the default. */
export function benchNumber(name: string, fallback: number): number {
  return Number(process.env[`BENCH_${name}`] ?? fallback);
}

/** The concurrencies of the runs: BENCH_CONCURRENCY ("16,32,64"), or the default. */
export function benchConcurrencies(fallback: string): number[] {
  return (process.env.BENCH_CONCURRENCY ?? fallback).split(',').map(Number);
}

export interface ApiRun {
  concurrency: number;
  run: Run;
  sqlPerCall: number;
  apiCpuMs: number;
  /** Every process of the stack's CPU per call (PostgreSQL's backends, the client, …), and how busy the machine was. */
  stackCpu: StackCpuDelta | undefined;
  /** The API's event-loop delay and GC pauses during the run. */
  runtime: ApiRuntime;
}

/**
 * `calls` calls at each concurrency through the API, a table line each. `callAt` gives a run's call (a new event,
 * new keys); `afterRun` waits for what a run leaves behind before the next one starts. With `pgStats` (a pool on the
 * API's database), what PostgreSQL did per call is printed too (pg-activity.ts).
 */
export async function runsThroughApi(
  baseUrl: string,
  calls: number,
  concurrencies: number[],
  unit: string,
  callAt: (concurrency: number) => Promise<(n: number) => Promise<boolean>> | ((n: number) => Promise<boolean>),
  afterRun?: (run: ApiRun) => Promise<void>,
  pgStats?: Sql,
): Promise<ApiRun[]> {
  console.log(`  concurrency ${`${unit}/s`.padStart(13)}   p50 ms   p99 ms   max ms ${`SQL/${unit}`.padStart(9)}`);
  const runs: ApiRun[] = [];
  for (const concurrency of concurrencies) {
    const call = await callAt(concurrency);
    const measured = () => withStackCpu(calls, () => countingSql(baseUrl, calls, () => drive(calls, concurrency, call)));
    const [[[run, sqlPerCall, apiCpuMs, runtime], stackCpu], pg] = pgStats
      ? await withPgActivity(pgStats, calls, measured)
      : [await measured(), undefined];
    printRun(concurrency, run, sqlPerCall);
    console.log(formatStackCpu(stackCpu, unit));
    console.log(formatApiRuntime(runtime, run.seconds, calls));
    if (pg) console.log(formatPgActivity(pg, unit));
    const apiRun = { concurrency, run, sqlPerCall, apiCpuMs, stackCpu, runtime };
    runs.push(apiRun);
    await afterRun?.(apiRun);
  }
  return runs;
}

/** A run through the API against the engine in-process; a call of several requests (`requestsPerCall`) is split. */
export function comparison(scenario: string, viaApi: ApiRun, inProcess: Run, requestsPerCall = 1): Comparison {
  return {
    scenario,
    inProcessPerSecond: perSecond(inProcess),
    apiPerSecond: perSecond(viaApi.run),
    apiP99Ms: percentileOf(viaApi.run, 99),
    sqlPerRequest: viaApi.sqlPerCall / requestsPerCall,
    apiCpuMs: viaApi.apiCpuMs / requestsPerCall,
    clientCpuMs: cpuMsPerCall(viaApi.run) / requestsPerCall,
    inProcessCpuMs: cpuMsPerCall(inProcess) / requestsPerCall,
  };
}
