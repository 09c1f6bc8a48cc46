/**
 * The dev stack's record of its processes (DATA_DIR/pids.json): every part's pid with its start time, so that a later
 * start on the same data dir, or the watchdog, can stop what an earlier run left behind without ever signalling a
 * recycled pid (a pid counts as ours only while /proc still shows the start time recorded with it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a dev stack on `dataDir` records its processes. */
export function stackPidFile(dataDir: string): string {
  return join(dataDir, 'pids.json');
}

export interface RecordedProcess {
  name: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot): with the pid, it names one process for good. */
  startTime: string;
  /** What stops it cleanly: SIGINT for PostgreSQL (fast shutdown) and anvil (saves its state), SIGTERM otherwise. */
  stopSignal: NodeJS.Signals;
}

/**
 * The fields of /proc/<pid>/stat from the third on (state, ppid, …: index 0 is field 3), or null when the process is
 * gone. The command name (field 2) may hold spaces and parentheses, so the fields are counted after its closing one.
 */
export function procStatFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The process's start time, or null when it is gone (a zombie counts as gone: it only waits to be reaped). */
export function processStartTime(pid: number): string | null {
  const fields = procStatFields(pid);
  if (!fields || fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

export function isRunning(entry: RecordedProcess): boolean {
  return processStartTime(entry.pid) === entry.startTime;
}

export function readPidFile(path: string): RecordedProcess[] {
  if (!existsSync(path)) return [];
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RecordedProcess[];
  } catch {
    return []; // a torn write of a run that died: nothing it names can be trusted
  }
}

/** The running stack's side: records each part as it starts (in start order) and forgets it when it exits. */
export class PidFile {
  private entries: RecordedProcess[] = [];

  constructor(readonly path: string) {}

  record(name: string, pid: number, stopSignal: NodeJS.Signals = 'SIGTERM'): void {
    const startTime = processStartTime(pid);
    if (startTime === null) return;
    const entry = { name, pid, startTime, stopSignal };
    const at = this.entries.findIndex((e) => e.name === name);
    if (at >= 0) this.entries[at] = entry;
    else this.entries.push(entry);
    this.write();
  }

  forget(pid: number): void {
    this.entries = this.entries.filter((e) => e.pid !== pid);
    this.write();
  }

  remove(): void {
    this.entries = [];
    rmSync(this.path, { force: true });
  }

  private write(): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.entries, null, 2)}\n`);
    renameSync(temporary, this.path);
  }
}

/**
 * Stops the recorded processes that still run: a live supervisor first (it stops its own parts in order), then the
 * rest in reverse start order, each with its stop signal and, after `timeoutMs`, SIGKILL. Returns those it stopped.
 */
export async function stopRecorded(
  entries: RecordedProcess[],
  options: { except?: number[]; timeoutMs?: number } = {},
): Promise<RecordedProcess[]> {
  const ordered = [
    ...entries.filter((e) => e.name === 'supervisor'),
    ...entries.filter((e) => e.name !== 'supervisor').reverse(),
  ];
  const stopped: RecordedProcess[] = [];
  for (const entry of ordered) {
    if (options.except?.includes(entry.pid) || !isRunning(entry)) continue;
    stopped.push(entry);
    signal(entry, entry.stopSignal);
    const timeoutMs = entry.name === 'supervisor' ? 90_000 : (options.timeoutMs ?? 15_000);
    if (!(await exited(entry, timeoutMs))) {
      signal(entry, 'SIGKILL');
      await exited(entry, 5_000);
    }
  }
  return stopped;
}

function signal(entry: RecordedProcess, name: NodeJS.Signals): void {
  try {
    if (isRunning(entry)) process.kill(entry.pid, name);
  } catch {
    // it exited between the check and the signal
  }
}

async function exited(entry: RecordedProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(entry)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}
