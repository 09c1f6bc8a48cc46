/**
 * A read-through cache whose entries live until they are invalidated, not until a timer runs out: whoever changes
 * the source says so (platform/db/invalidations.ts relays Postgres NOTIFYs), so a hit is as fresh as a read.
 *
 * Its rules, each because a stale entry here would let a revoked credential in:
 * - it serves hits only while live, that is while the invalidations reaching it can be trusted; otherwise every get
 *   reads the source and nothing is kept;
 * - a load that an invalidation overtook (it may have read the old row) answers its callers but is not kept, and
 *   later callers do not join it;
 * - misses are not kept, so a row created later is found at once.
 */
export interface InvalidationTarget {
  invalidate(key: string): void;
  /** Live: invalidations are arriving. Both ways the cache starts empty, since changes may have been missed. */
  setLive(live: boolean): void;
}

export class InvalidatedCache<V> implements InvalidationTarget {
  private readonly entries = new Map<string, V>();
  private readonly loading = new Map<string, Promise<V | null>>();
  /** Bumped by every invalidation, so a load can tell whether one overtook it. */
  private generation = 0;
  private live = false;

  constructor(
    private readonly source: (key: string) => Promise<V | null>,
    private readonly maxEntries = 100_000,
  ) {}

  get(key: string): Promise<V | null> {
    if (!this.live) return this.source(key);
    const hit = this.entries.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    return this.loading.get(key) ?? this.load(key);
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  /** Forgets everything: a change that touches entries it cannot name (a whole table) calls this too. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  setLive(live: boolean): void {
    this.live = live;
    this.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private load(key: string): Promise<V | null> {
    const generation = this.generation;
    const loading: Promise<V | null> = this.source(key)
      .then((value) => {
        if (value !== null && this.live && generation === this.generation) this.remember(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === loading) this.loading.delete(key);
      });
    this.loading.set(key, loading);
    return loading;
  }

  private remember(key: string, value: V): void {
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
