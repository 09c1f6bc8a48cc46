/**
 * The engines this process runs: for every pair it takes a Postgres advisory lock (`exchange:<pair>`, as the chain
 * listeners elect their leader), rebuilds the market from its snapshot and journal, and serves it until the lock is
 * lost; then it waits as a standby and takes over again when the lock comes free.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pair } from '../../domain/exchange/pairs.js';
import { acquireLeadership } from '../../platform/db/leader-lock.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { Market, type MarketOptions } from './market.js';
import { MarketFeed } from './market-feed.js';

export class Markets {
  private readonly running = new Map<string, Market>();
  private readonly stopping = new AbortController();
  private readonly leaderships: Array<Promise<void>> = [];

  constructor(
    private readonly sql: Sql,
    private readonly databaseUrl: string,
    private readonly log: Logger,
    readonly feed: MarketFeed = new MarketFeed(sql, log),
    private readonly options: MarketOptions = {},
  ) {}

  start(pairs: Pair[]): void {
    for (const pair of pairs) this.leaderships.push(this.lead(pair));
  }

  /** The market of `pair` if this process leads it now. */
  get(pair: string): Market | undefined {
    return this.running.get(pair);
  }

  /**
   * The read barriers (Market.settledFor) of `userId` on the markets this process runs, but `exceptPair`'s; undefined
   * when none waits, the usual case on every funds-guarded request, so that no list is made for it.
   */
  settledFor(userId: string, exceptPair?: string): Array<Promise<void>> | undefined {
    let waits: Array<Promise<void>> | undefined;
    for (const [code, market] of this.running) {
      const wait = code === exceptPair ? undefined : market.settledFor(userId);
      if (wait) (waits ??= []).push(wait);
    }
    return waits;
  }

  /** Resolves once this process leads `pair` (tests and start-up checks). */
  async ready(pair: string, timeoutMs = 30_000): Promise<Market> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const market = this.running.get(pair);
      if (market) return market;
      if (Date.now() > deadline) throw new Error(`this process does not lead ${pair}`);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.running.clear();
    await Promise.allSettled(this.leaderships);
  }

  private async lead(pair: Pair): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const leadership = await acquireLeadership(this.databaseUrl, `exchange:${pair.code}`, {
          signal,
          retryMs: 1_000,
          onStandby: () => this.log.info({ pair: pair.code }, 'standing by: another process runs this market'),
        });
        try {
          this.running.set(pair.code, await Market.open(this.sql, pair, this.log, this.feed, this.options));
          // close() may have come while the market was opening: an abort already past fires no event
          const stopped = new Promise<string>((resolve) => {
            if (signal.aborted) resolve('stopping');
            else signal.addEventListener('abort', () => resolve('stopping'), { once: true });
          });
          const reason = await Promise.race([leadership.lost, stopped]);
          this.log.warn({ pair: pair.code, reason }, 'no longer running this market');
        } finally {
          const market = this.running.get(pair.code);
          market?.halt('leadership lost');
          this.running.delete(pair.code);
          // orders were answered before settling: settle them before the next leader starts (it would settle them too,
          // but readers here already wait on this market); a market that stopped settling leaves them to that leader
          await market?.drained().catch(() => {});
          await leadership.release();
        }
      } catch (error) {
        if (signal.aborted) return;
        this.log.error({ err: error, pair: pair.code }, 'market leadership failed; retrying');
        await sleep(1_000);
      }
    }
  }
}
