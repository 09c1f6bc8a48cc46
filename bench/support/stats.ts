/** Figures for benchmarks: latency percentiles and throughput, printed as a small table. */

export interface Figures {
  name: string;
  operations: number;
  seconds: number;
  latenciesMs: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(f: Figures) {
  const sorted = [...f.latenciesMs].sort((a, b) => a - b);
  return {
    scenario: f.name,
    operations: f.operations,
    'ops/s': Math.round(f.operations / f.seconds),
    'p50 ms': +percentile(sorted, 50).toFixed(2),
    'p99 ms': +percentile(sorted, 99).toFixed(2),
    'max ms': +percentile(sorted, 100).toFixed(2),
  };
}

export function printFigures(title: string, figures: Figures[]): void {
  console.log(`\n${title}`);
  console.table(figures.map(summarize));
}

/**
 * Runs `task(i)` for i in [0, total) with at most `concurrency` in flight; returns each call's latency, and the CPU
 * milliseconds (user and system) this process spent meanwhile.
 */
export async function runConcurrently(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<{ seconds: number; latenciesMs: number[]; cpuMs: number }> {
  const latenciesMs: number[] = new Array(total);
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latenciesMs[i] = performance.now() - t0;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: (performance.now() - started) / 1000, latenciesMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
