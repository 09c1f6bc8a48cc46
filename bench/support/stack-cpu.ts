/**
 * Where the machine's CPU goes during a run, process by process: the bench's own process and every process it spawned
 * (the API, the worker, PostgreSQL's postmaster and all its backends, the Temporal dev server), read from /proc before
 * and after, plus the whole machine's busy share (which other work on the machine adds to). The API is half idle under
 * the benches: whether the cores are saturated decides whether the lever is CPU per request summed over every process
 * or the way requests queue. Linux only; elsewhere it reports nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStatFields } from '../../platform/embedded/pid-file.js';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux node runs on). */
const TICKS_PER_SECOND = 100;

export interface StackCpu {
  /** CPU milliseconds by process kind: bench, api, worker, postgres, temporal, other. */
  byKind: Map<string, number>;
  /** Write system calls (write, writev: socket writes included) by process kind, from /proc/<pid>/io. */
  writesByKind: Map<string, number>;
  /** Busy and total ticks of the whole machine (all cores), from /proc/stat. */
  machineBusy: number;
  machineTotal: number;
}

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
  /** What its children spent before they exited and it reaped them (cutime + cstime). */
  reapedTicks: number;
}

/** The process's write system calls so far (`syscw`; 0 where /proc/<pid>/io cannot be read). */
function writeSyscalls(pid: number): number {
  try {
    return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function readProcStat(pid: number): ProcStat | undefined {
  const fields = procStatFields(pid);
  if (!fields) return undefined; // exited between the listing and the read
  return {
    pid,
    ppid: Number(fields[1]),
    ticks: Number(fields[11]) + Number(fields[12]),
    reapedTicks: Number(fields[13]) + Number(fields[14]),
  };
}

/** What a process of the stack is, from its command line (spawnEntryPoint runs `node … workers/<entry>.ts`). */
function kindOf(pid: number): string {
  if (pid === process.pid) return 'bench';
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return 'other';
  }
  if (/postgres: .*autovacuum worker/.test(command)) return 'autovacuum';
  if (/postgres/.test(command)) return 'postgres';
  if (/temporal/.test(command)) return 'temporal';
  if (command.includes('workers/api.ts')) return 'api';
  if (command.includes('workers/worker.ts')) return 'worker';
  return 'other';
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + cpu[4]!; // idle + iowait
  return { busy: total - idle, total };
}

/** This process and all its descendants' CPU so far, by kind. */
export function stackCpu(): StackCpu | undefined {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return undefined;
  }
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const inStack = (pid: number): boolean => {
    for (let p = pid; p > 1; p = stats.get(p)?.ppid ?? 0) if (p === process.pid) return true;
    return false;
  };
  const byKind = new Map<string, number>();
  const writesByKind = new Map<string, number>();
  for (const stat of stats.values()) {
    if (!inStack(stat.pid)) continue;
    const kind = kindOf(stat.pid);
    byKind.set(kind, (byKind.get(kind) ?? 0) + (1000 * stat.ticks) / TICKS_PER_SECOND);
    // PostgreSQL's exited children: the benches keep their connections open, so these are autovacuum workers, which
    // come and go within a run and would otherwise be missed (counted with the live ones, so one that exits in the
    // run is counted once, whole)
    if (kind === 'postgres' && stat.reapedTicks > 0) {
      byKind.set('autovacuum', (byKind.get('autovacuum') ?? 0) + (1000 * stat.reapedTicks) / TICKS_PER_SECOND);
    }
    writesByKind.set(kind, (writesByKind.get(kind) ?? 0) + writeSyscalls(stat.pid));
  }
  const machine = machineTicks();
  return { byKind, writesByKind, machineBusy: machine.busy, machineTotal: machine.total };
}

export interface StackCpuDelta {
  /** CPU ms per request by kind, over the run. */
  perRequestMs: Record<string, number>;
  /** Write system calls per request by kind, over the run (postgres.js writes a statement of 1 KB or more on its own). */
  writesPerRequest: Record<string, number>;
  /** The whole machine's busy share over the run, 0–1 (other helpers' work included). */
  machineBusy: number;
  /** The stack's processes' CPU over the run as a share of the machine's cores, 0–1. */
  stackBusy: number;
}

/**
 * The CPU each kind of process spent per request between two readings. A process that exited between them is missed,
 * but for PostgreSQL's, which its postmaster reaps (`autovacuum`, with the workers still running).
 */
export function stackCpuDelta(
  before: StackCpu | undefined,
  after: StackCpu | undefined,
  requests: number,
): StackCpuDelta | undefined {
  if (!before || !after) return undefined;
  const perRequestMs: Record<string, number> = {};
  let stackMs = 0;
  for (const [kind, ms] of after.byKind) {
    const spent = ms - (before.byKind.get(kind) ?? 0);
    stackMs += spent;
    perRequestMs[kind] = spent / requests;
  }
  const writesPerRequest: Record<string, number> = {};
  for (const [kind, writes] of after.writesByKind) {
    writesPerRequest[kind] = (writes - (before.writesByKind.get(kind) ?? 0)) / requests;
  }
  const totalTicks = after.machineTotal - before.machineTotal;
  const totalMs = (1000 * totalTicks) / TICKS_PER_SECOND;
  return {
    perRequestMs,
    writesPerRequest,
    machineBusy: (after.machineBusy - before.machineBusy) / totalTicks,
    stackBusy: stackMs / totalMs,
  };
}

/** The whole stack's CPU ms per request over a run (every kind), or undefined where /proc was not read. */
export function stackCpuPerRequest(delta: StackCpuDelta | undefined): number | undefined {
  return delta && Object.values(delta.perRequestMs).reduce((sum, ms) => sum + ms, 0);
}

/** Runs `work` and returns its result with the stack's CPU per request meanwhile. */
export async function withStackCpu<T>(requests: number, work: () => Promise<T>): Promise<[T, StackCpuDelta | undefined]> {
  const before = stackCpu();
  const result = await work();
  return [result, stackCpuDelta(before, stackCpu(), requests)];
}

/**
 * Waits until the stack's processes of `kinds` spend less than `idleMs` of CPU in a second (at most `timeoutMs`), and
 * says how long that took: what a bench's set-up left running (the worker's and Temporal's workflows for the users and
 * events it made) then finishes before its first measured run instead of inside it. In bench/bets.ts that work showed
 * as 0.02–0.07 ms of worker CPU per bet in one of the first round's runs only. Without /proc, returns at once.
 */
export async function stackQuiet(kinds: string[], idleMs = 30, timeoutMs = 60_000): Promise<string> {
  const started = Date.now();
  const spent = (cpu: StackCpu | undefined) => kinds.reduce((sum, kind) => sum + (cpu?.byKind.get(kind) ?? 0), 0);
  for (let before = stackCpu(); before && Date.now() - started < timeoutMs;) {
    await sleep(1_000);
    const after = stackCpu();
    if (spent(after) - spent(before) < idleMs) return `${kinds.join(' and ')} quiet after ${Date.now() - started} ms`;
    before = after;
  }
  return `${kinds.join(' and ')} not quiet after ${Date.now() - started} ms`;
}

/** One line: CPU ms per request by process kind, largest first, and how busy the machine was. */
export function formatStackCpu(delta: StackCpuDelta | undefined, unit: string): string {
  if (!delta) return '  (no /proc: CPU by process not measured)';
  const kinds = Object.entries(delta.perRequestMs)
    .filter(([, ms]) => ms >= 0.0005)
    .sort((a, b) => b[1] - a[1]);
  const total = kinds.reduce((sum, [, ms]) => sum + ms, 0);
  const parts = kinds.map(([kind, ms]) => `${kind} ${ms.toFixed(3)}`).join(', ');
  const pct = (share: number) => `${Math.round(100 * share)}%`;
  const writes = Object.entries(delta.writesPerRequest)
    .filter(([, count]) => count >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kind} ${count.toFixed(2)}`)
    .join(', ');
  return (
    `  CPU ms/${unit} by process: ${parts} = ${total.toFixed(3)}; machine busy ${pct(delta.machineBusy)} of its cores (this stack ${pct(delta.stackBusy)})` +
    `\n  write syscalls/${unit} by process: ${writes}`
  );
}
