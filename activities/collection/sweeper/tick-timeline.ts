/**
 * What a sweeper tick did when, for whoever chases a burst's latency: each phase's first and last moment (ms from the
 * tick's start) and how often it happened, logged at debug level once per tick (`LOG_LEVEL=debug`).
 */

/**
 * A lane started, planned its wallet, began waiting for a funding, stored its sweep to broadcast once funded (held),
 * saw the funding mined, sent or recorded a sweep; the tick looked for wallets credited since it began (its count is
 * the wallets found).
 */
export type TickPhase = 'read' | 'lane' | 'planned' | 'funding-wait' | 'held' | 'funded' | 'sent' | 'recorded' | 'look';

export class TickTimeline {
  private readonly startedAt = Date.now();
  private readonly phases = new Map<TickPhase, { first: number; last: number; count: number }>();

  mark(phase: TickPhase, count = 1): void {
    const at = Date.now() - this.startedAt;
    const seen = this.phases.get(phase);
    if (seen) {
      seen.last = at;
      seen.count += count;
    } else this.phases.set(phase, { first: at, last: at, count });
  }

  /** Each phase as `[first ms, last ms, count]`, and the tick's length so far. */
  summary(): { ms: number; phases: Record<string, [number, number, number]> } {
    const phases: Record<string, [number, number, number]> = {};
    for (const [phase, { first, last, count }] of this.phases) phases[phase] = [first, last, count];
    return { ms: Date.now() - this.startedAt, phases };
  }
}
