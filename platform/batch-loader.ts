/**
 * Coalesces lookups by key: the keys asked for during one turn of the event loop are loaded with one call when it
 * ends, so many lanes reading a row each (a sweeper's tick over hundreds of wallets) cost one query, not hundreds.
 * Nothing is cached: every lookup is answered by a read that started after it was asked, as a direct read would be.
 */
export class BatchLoader<K, V> {
  private pending: Map<K, Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>> | null = null;

  /** `load` answers the keys it found; a key it leaves out is answered `undefined`. */
  constructor(private readonly load: (keys: K[]) => Promise<Map<K, V>>) {}

  get(key: K): Promise<V | undefined> {
    if (!this.pending) {
      this.pending = new Map();
      // after the turn's microtasks: lanes woken by one answer all ask before the next query goes out
      setImmediate(() => this.flush());
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
