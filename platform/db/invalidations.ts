/**
 * Cache invalidation over Postgres LISTEN/NOTIFY. Triggers (db/migrations/008_cache_invalidation.sql) send
 * `<table>:<key>` on the `sluice_invalidate` channel when a row a cache holds changes; the NOTIFY is delivered when
 * the change commits, to every process listening, so a cached credential dies with its row within milliseconds.
 *
 * The caches trust their entries only while this connection is known to be listening: it is checked every
 * HEARTBEAT_MS, and a closed, failing or silent connection turns them off (every read goes to the database) until
 * LISTEN succeeds again; then they start empty, because notifications sent meanwhile were lost.
 */
import postgres from 'postgres';
import type { InvalidationTarget } from '../cache/invalidated-cache.js';
import type { Logger } from '../log.js';

export const INVALIDATION_CHANNEL = 'sluice_invalidate';
const HEARTBEAT_MS = 250;
/** A heartbeat slower than this counts as a lost connection: the caches stay off until one is answered in time. */
const SILENCE_MS = 750;

export class Invalidations {
  private readonly targets = new Map<string, InvalidationTarget[]>();
  private live = false;

  /** `target` hears of every change to `table`'s rows (by the key its trigger sends) and of the listener's state. */
  register(table: string, target: InvalidationTarget): void {
    this.targets.set(table, [...(this.targets.get(table) ?? []), target]);
    target.setLive(this.live);
  }

  /** A payload from the channel: `<table>:<key>`. */
  deliver(payload: string): void {
    const colon = payload.indexOf(':');
    for (const target of this.targets.get(payload.slice(0, colon)) ?? []) target.invalidate(payload.slice(colon + 1));
  }

  setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    for (const targets of this.targets.values()) for (const target of targets) target.setLive(live);
  }

  get isLive(): boolean {
    return this.live;
  }
}

export interface InvalidationListener {
  close(): Promise<void>;
}

/** Listens on its own connection (a pooled one would lose the LISTEN) and keeps `invalidations` live while it can. */
export function listenForInvalidations(url: string, invalidations: Invalidations, log: Logger): InvalidationListener {
  // onnotify is postgres.js's own hook for notifications on a connection (its listen() uses it) but is missing from
  // its types; with it, this connection's closing is ours to see, which listen() would hide
  const options: postgres.Options<{}> & { onnotify(channel: string, payload: string): void } = {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: 'sluice-invalidations' },
    onnotify: (channel, payload) => {
      if (channel === INVALIDATION_CHANNEL) invalidations.deliver(payload);
    },
    onclose: () => invalidations.setLive(false),
  };
  const sql = postgres(url, options);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const beat = async () => {
    try {
      // a fresh connection has no LISTEN yet: subscribe, and only then trust the caches again
      const probe = invalidations.isLive ? sql`select 1` : sql`listen ${sql(INVALIDATION_CHANNEL)}`;
      await within(SILENCE_MS, probe);
      if (!invalidations.isLive) log.info('cache invalidations: listening');
      invalidations.setLive(true);
    } catch (error) {
      if (invalidations.isLive) log.warn({ err: error }, 'cache invalidations: connection lost; caches off until it is back');
      invalidations.setLive(false);
    }
    if (!closed) timer = setTimeout(() => void beat(), HEARTBEAT_MS);
  };
  void beat();

  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      invalidations.setLive(false);
      await sql.end({ timeout: 2 });
    },
  };
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
