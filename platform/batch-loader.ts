/**
 * Coalesces lookups by key: the keys asked for during one turn of the event loop (or within `windowMs` of the first)
 * are loaded with one call, so many lanes reading a row each (a sweeper's tick over hundreds of wallets) cost one
 * query, not hundreds. Nothing is cached: every lookup is answered by a read that started after it was asked, as a
 * direct read would be.
 */
export class BatchLoader<K, V> {
  private pending: Map<K, Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>> | null = null;

  /**
   * `load` answers the keys it found; a key it leaves out is answered `undefined`. A window lets lanes that drifted
   * apart (each waited on its own writes) meet again, for work whose batch costs far more than the wait.
   */
  constructor(
    private readonly load: (keys: K[]) => Promise<Map<K, V>>,
    private readonly windowMs = 0,
  ) {}

  get(key: K): Promise<V | undefined> {
    if (!this.pending) {
      this.pending = new Map();
      // after the turn's microtasks at least: lanes woken by one answer all ask before the next query goes out
      if (this.windowMs > 0) setTimeout(() => this.flush(), this.windowMs);
      else setImmediate(() => this.flush());
    }
    const waiting = this.pending;
    return new Promise((resolve, reject) => waiting.set(key, [...(waiting.get(key) ?? []), { resolve, reject }]));
  }

  private flush(): void {
    const batch = this.pending!;
    this.pending = null;
    this.load([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
      },
      (error: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
      },
    );
  }
}
