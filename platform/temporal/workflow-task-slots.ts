/**
 * The worker's workflow task slots, with a smaller limit on replays. A task polled from the task queue itself (not from
 * the worker's sticky queue) is a workflow this worker has not cached: its whole run is replayed in the workflow
 * thread, which runs one activation at a time for every task in flight, so N replays at once each take about N times
 * as long as one. After a restart every open workflow's next task is such a replay: with 300 slots the worker took
 * them all at once, each outlived the server's workflow task timeout behind the others and was replayed again (QA,
 * session 24: "workflow task duration exceeded 5 seconds", attempts up to 4). Replays get a few slots, so that each
 * finishes well within that timeout (`defaultReplaySlots`); the rest wait on the server, where waiting costs none.
 * A sticky task carries only its workflow's new events and mostly waits on its local activities: those keep the many
 * slots (ARCHITECTURE.md, "Worker tuning").
 */
import type {
  CustomSlotSupplier,
  SlotPermit,
  SlotReleaseContext,
  SlotReserveContext,
  WorkflowSlotInfo,
} from '@temporalio/worker';

/** The SDK's default with one V8 context reused per thread; on 2 cores more threads bring nothing (its docs). */
export const WORKFLOW_THREADS = 1;

/**
 * Two replays a thread: one runs while the other's history is fetched, its local activity runs or its completion is
 * sent, so the thread stays busy, and a task waits for at most one other. A run of RUN_HISTORY_LIMIT (500) events
 * replayed in about 1 s with a load of 8–10 on the 2-core machine (bench/worker-restart.ts, one at a time): 2 s for a
 * task, within the 5 s at which the worker's core warns (TMPRL1104) and the server's 10 s timeout even at twice the
 * load. Seven measured no better than 300: each took 7 such seconds or more, timed out, and was replayed again.
 */
const REPLAYS_PER_THREAD = 2;

/** The replays `threads` workflow threads run at once. */
export function defaultReplaySlots(threads = WORKFLOW_THREADS): number {
  return threads * REPLAYS_PER_THREAD;
}

interface Permit extends SlotPermit {
  replay: boolean;
}

/** At most `total` workflow tasks at once, of which at most `replays` polled from the task queue itself. */
export class WorkflowTaskSlots implements CustomSlotSupplier<WorkflowSlotInfo> {
  readonly type = 'custom';
  private used = 0;
  private replaysUsed = 0;
  private readonly waiting: Array<{ replay: boolean; grant: (permit: Permit) => void }> = [];

  constructor(
    readonly total: number,
    readonly replays: number,
  ) {}

  // a slot is reserved before its poll: a non-sticky poll's slot takes whatever the task queue holds. Whoever waits does
  // not fit (releaseSlot grants every waiter that does), so one that fits now jumps no queue
  reserveSlot(ctx: SlotReserveContext, abortSignal: AbortSignal): Promise<SlotPermit> {
    const replay = !ctx.isSticky;
    if (this.fits(replay)) return Promise.resolve(this.take(replay));
    if (abortSignal.aborted) return Promise.reject(abortSignal.reason);
    return new Promise((resolve, reject) => {
      const waiter = { replay, grant: resolve };
      this.waiting.push(waiter);
      abortSignal.addEventListener(
        'abort',
        () => {
          const index = this.waiting.indexOf(waiter);
          if (index < 0) return; // granted already: the SDK releases it
          this.waiting.splice(index, 1);
          reject(abortSignal.reason);
        },
        { once: true },
      );
    });
  }

  // eager tasks (a workflow's first task in its start's answer) have no history to replay
  tryReserveSlot(): SlotPermit | null {
    return this.fits(false) ? this.take(false) : null;
  }

  markSlotUsed(): void {}

  releaseSlot(ctx: SlotReleaseContext<WorkflowSlotInfo>): void {
    const { replay } = ctx.permit as Permit;
    this.used--;
    if (replay) this.replaysUsed--;
    // first come, first served, but a sticky poll is not held back by replays waiting for a replay slot to free
    for (let i = 0; i < this.waiting.length && this.used < this.total;) {
      const waiter = this.waiting[i]!;
      if (!this.fits(waiter.replay)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      waiter.grant(this.take(waiter.replay));
    }
  }

  private fits(replay: boolean): boolean {
    return this.used < this.total && (!replay || this.replaysUsed < this.replays);
  }

  private take(replay: boolean): Permit {
    this.used++;
    if (replay) this.replaysUsed++;
    return { replay };
  }
}
