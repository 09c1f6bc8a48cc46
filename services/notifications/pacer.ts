/**
 * Paces work to a rate (starts at most `perSecond` a second, evenly spaced) with at most `inFlight` running at once:
 * how a broadcast keeps within a channel's limits (Telegram's 30 messages a second) without waiting on each send.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class Pacer {
  private readonly spacingMs: number;
  private nextStart = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    perSecond: number,
    private readonly inFlight: number,
  ) {
    this.spacingMs = 1_000 / perSecond;
  }

  /** Waits for its turn, starts `work` and returns (the work goes on; `drain` waits for it). */
  async run(work: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.inFlight) await Promise.race(this.running);
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.spacingMs;
    if (start > now) await sleep(start - now);
    const running: Promise<void> = work().finally(() => this.running.delete(running));
    this.running.add(running);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
  }
}
