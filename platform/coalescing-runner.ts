/**
 * Runs a job one pass at a time, coalescing requests: a call while a pass runs schedules exactly one more pass,
 * however many calls came meanwhile, so each call is covered by a pass that started after it.
 */
export class CoalescingRunner {
  private passes: Promise<void> | null = null;
  private again = false;

  /** `job` is one pass; it must be async (report failures by rejecting, not by throwing synchronously). */
  constructor(private readonly job: () => Promise<void>) {}

  /**
   * Resolves once a pass that started after this call has finished; rejects with the failure of a pass in between
   * (a failed pass ends the passes scheduled so far; the next call starts again).
   */
  run(): Promise<void> {
    if (this.passes) {
      this.again = true;
      return this.passes;
    }
    this.passes = this.runPasses();
    return this.passes;
  }

  private async runPasses(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.job();
      } while (this.again);
    } finally {
      // cleared in the same turn as the last check of `again`: a later call starts new passes, none is left uncovered
      this.passes = null;
    }
  }
}
