/**
 * Events as bet placement sees them, through a short-lived in-process cache (the seed kept one in front of its line
 * provider): a busy event is read once per TTL, not once per bet. It is only a fast path for refusals — placement
 * reads the event again under a row lock in its own transaction, so a stale entry can never let a bet in late.
 */
import { betEventById, type BetEvent } from './events-store.js';
import type { Db } from '../../platform/db/client.js';

export class BetEventCache {
  private readonly entries = new Map<string, { event: BetEvent; fetchedAt: number }>();
  private readonly loading = new Map<string, Promise<BetEvent | null>>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** The event itself when cached and fresh (the hot path's case: no promise), else a promise of its read. */
  get(id: string): BetEvent | Promise<BetEvent | null> {
    const hit = this.entries.get(id);
    // a finished or cancelled event never changes again
    if (hit && (hit.event.state !== 'new' || Date.now() - hit.fetchedAt < this.ttlMs)) return hit.event;
    let load = this.loading.get(id);
    if (!load) {
      // one read per event however many placements are waiting for it
      load = betEventById(this.db, id)
        .then((event) => {
          if (event) this.remember(event);
          return event;
        })
        .finally(() => this.loading.delete(id));
      this.loading.set(id, load);
    }
    return load;
  }

  /** This process changed the event: its next placement must not wait for the TTL to see it. */
  forget(id: string): void {
    this.entries.delete(id);
  }

  private remember(event: BetEvent): void {
    this.entries.delete(event.id);
    this.entries.set(event.id, { event, fetchedAt: Date.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
