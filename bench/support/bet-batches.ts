/**
 * Where the bet placer's group-commit batches spent their wall time during a run (BatchPhases): the API's, from the
 * histograms on its /metrics, and the placer's called in-process, added up as it reports them. A batch of the API
 * and one in-process differ in size (two alternating halves of the clients against all of them), so the line also
 * says how large they were.
 */
import type { BatchPhases } from '../../services/betting/placement.js';
import { apiMetrics } from './api-process.js';

export class BatchPhaseSums {
  batches = 0;
  bets = 0;
  readsMs = 0;
  decidingMs = 0;
  writesMs = 0;

  add({ bets, readsMs, decidingMs, writesMs }: BatchPhases): void {
    this.batches++;
    this.bets += bets;
    this.readsMs += readsMs;
    this.decidingMs += decidingMs;
    this.writesMs += writesMs;
  }

  /** What was added since `earlier` was taken. */
  since(earlier: BatchPhaseSums): BatchPhaseSums {
    const delta = new BatchPhaseSums();
    delta.batches = this.batches - earlier.batches;
    delta.bets = this.bets - earlier.bets;
    delta.readsMs = this.readsMs - earlier.readsMs;
    delta.decidingMs = this.decidingMs - earlier.decidingMs;
    delta.writesMs = this.writesMs - earlier.writesMs;
    return delta;
  }

  copy(): BatchPhaseSums {
    return this.since(new BatchPhaseSums());
  }
}

/** The API's totals so far (all its processes). */
export async function apiBatchPhases(baseUrl: string): Promise<BatchPhaseSums> {
  const samples = await apiMetrics(baseUrl);
  const value = (name: string) => samples.get(name) ?? 0;
  const phaseMs = (phase: string) => 1000 * value(`sluice_bet_batch_phase_seconds_sum{phase="${phase}"}`);
  const sums = new BatchPhaseSums();
  sums.batches = value('sluice_bet_batch_size_count');
  sums.bets = value('sluice_bet_batch_size_sum');
  sums.readsMs = phaseMs('reads');
  sums.decidingMs = phaseMs('deciding');
  sums.writesMs = phaseMs('writes');
  return sums;
}

export function formatBatchPhases(sums: BatchPhaseSums): string {
  if (sums.batches === 0) return '  batch phases: no batch';
  const mean = (ms: number) => (ms / sums.batches).toFixed(2);
  const whole = sums.readsMs + sums.decidingMs + sums.writesMs;
  return (
    `  batch phases, mean of ${sums.batches} batches of ${(sums.bets / sums.batches).toFixed(1)} bets: reads ${mean(sums.readsMs)} ms, ` +
    `deciding ${mean(sums.decidingMs)} ms, writes and COMMIT ${mean(sums.writesMs)} ms (${mean(whole)} ms a batch)`
  );
}
