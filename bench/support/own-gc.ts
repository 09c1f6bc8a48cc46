/**
 * The bench process's own garbage collection during a run: an engine called in-process (the ledger module, the bet
 * placer) shares its heap with the load generator and the figures kept so far, so its scavenges stall it as the API's
 * stall the API. Printed beside an in-process run, they show whether a slow run was the collector's.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';

export interface OwnGc {
  minor: { pauses: number; ms: number };
  major: { pauses: number; ms: number };
}

/** Runs `work` and returns its result with the collector's pauses in this process meanwhile. */
export async function withOwnGc<T>(work: () => Promise<T>): Promise<[T, OwnGc]> {
  const gc: OwnGc = { minor: { pauses: 0, ms: 0 }, major: { pauses: 0, ms: 0 } };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>) {
      const kind = entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : gc.major;
      kind.pauses++;
      kind.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await work();
    // entries are delivered on a later turn of the event loop
    await turn();
    return [result, gc];
  } finally {
    observer.disconnect();
  }
}

/** One line: this process's pauses per 1,000 calls and their mean (major here: every kind but scavenges). */
export function formatOwnGc(gc: OwnGc, calls: number): string {
  const kind = (name: string, k: OwnGc['minor']) =>
    `${name} ${((1000 * k.pauses) / calls).toFixed(1)} per 1,000 calls of ${k.pauses ? (k.ms / k.pauses).toFixed(1) : '0'} ms mean`;
  return `  bench process GC: ${kind('minor', gc.minor)}; ${kind('major', gc.major)}`;
}
