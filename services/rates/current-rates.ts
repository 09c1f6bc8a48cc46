/**
 * The current rates in memory: in the API, until a pair, a source or a rate changes (LISTEN/NOTIFY, `listenTo`);
 * elsewhere, or while that listener is down, for `ttlMs` (a second by default). Quotes and conversions are frequent,
 * rates change on the refresh schedule. A rate too old for its pair, or missing, is refused with a 503 naming the pair.
 */
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { conversionPath, convertMinor, rateAlong, type Conversion, type CurrentRate } from '../../domain/rates/conversion.js';
import { currentPrices, isStale, type RateSourceKind } from '../../domain/rates/sources.js';
import type { Db } from '../../platform/db/client.js';
import type { Invalidations } from '../../platform/db/invalidations.js';
import { latestRates } from './history-store.js';
import { loadRatePairs, loadRateSettings, type RatePairRow } from './sources-store.js';

export interface PairRateView extends CurrentRate {
  source: RateSourceKind;
  recordedAt: Date;
}

/** A conversion fixed at the moment it was asked for: an invoice keeps it for its lifetime. */
export interface LockedRate extends Conversion {
  lockedAt: Date;
}

interface Loaded {
  views: Map<string, PairRateView>;
  pairs: RatePairRow[];
}

export class CurrentRates {
  private cached: { at: number; rates: Promise<Loaded> } | null = null;
  /** Invalidations are arriving: the copy is trusted until a pair, a source or a rate changes, not for ttlMs only. */
  private live = false;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1_000,
  ) {}

  /** This process changed a rate or a source: read them again on the next call. */
  forget(): void {
    this.cached = null;
  }

  /** Hears of every committed change to pairs, rate sources and rates (db/migrations/632_rates_invalidation.sql). */
  listenTo(invalidations: Invalidations): void {
    const target = {
      invalidate: () => this.forget(),
      setLive: (live: boolean) => {
        this.live = live;
        this.forget();
      },
    };
    for (const table of ['pairs', 'rate_sources', 'exchange_rates']) invalidations.register(table, target);
  }

  private loaded(): Promise<Loaded> {
    if (!this.cached || (!this.live && Date.now() - this.cached.at > this.ttlMs)) {
      const rates = Promise.all([latestRates(this.db), loadRateSettings(this.db), loadRatePairs(this.db)]).then(
        ([stored, settings, pairs]) => {
          const byPair = new Map(settings.map((s) => [s.code, s]));
          const views = new Map<string, PairRateView>();
          // a pair whose source was removed, or whose rate is another source's, is not priced
          for (const r of currentPrices(stored, settings).values()) {
            const setting = byPair.get(r.pair)!;
            views.set(r.pair, {
              ...r,
              code: r.pair,
              base: setting.base,
              quote: setting.quote,
              maxAgeSeconds: setting.maxAgeSeconds,
            });
          }
          return { views, pairs };
        },
      );
      this.cached = { at: Date.now(), rates };
      rates.catch(() => (this.cached = null));
    }
    return this.cached.rates;
  }

  private async load(): Promise<Map<string, PairRateView>> {
    return (await this.loaded()).views;
  }

  /** The pair between two currencies, whichever is its base, or null; with whether operators enabled it. */
  async pairBetween(a: string, b: string): Promise<RatePairRow | null> {
    const { pairs } = await this.loaded();
    return pairs.find((p) => (p.base === a && p.quote === b) || (p.base === b && p.quote === a)) ?? null;
  }

  /** Every priced pair's newest rate, stale or not (GET /v1/exchange-rates shows which). */
  async all(): Promise<PairRateView[]> {
    return [...(await this.load()).values()];
  }

  /** The pair's rate, fresh enough to quote at `now`; a 503 naming the pair otherwise. */
  async usable(pair: string, now = new Date()): Promise<PairRateView> {
    const current = (await this.load()).get(pair);
    if (!current) throw new DomainError(ErrorCode.RateUnavailable, `no rate for ${pair} yet`, [{ path: 'pair', message: pair }]);
    if (isStale(current.asOf, current.maxAgeSeconds, now)) {
      throw new DomainError(
        ErrorCode.RateUnavailable,
        `the rate for ${pair} is stale: observed ${current.asOf!.toISOString()}, older than ${current.maxAgeSeconds} s`,
        [{ path: 'pair', message: pair }],
      );
    }
    return current;
  }

  /** Whole `to` units per whole `from` unit at the mid rates, through as few pairs as connect them; every one fresh. */
  async lockRate(from: string, to: string, now = new Date()): Promise<LockedRate> {
    const rates = await this.load();
    const path = conversionPath(from, to, [...rates.values()]);
    if (!path) {
      throw new DomainError(ErrorCode.RateUnavailable, `no rate converts ${from} to ${to}`, [
        { path: 'pair', message: `${from}-${to}` },
      ]);
    }
    for (const step of path) await this.usable(step.pair, now);
    return { from, to, path, rate: rateAlong(path, rates), lockedAt: now };
  }

  /**
   * `amount` minor units of `from` in minor units of `to` at the current mid rate, rounded the way that favours the
   * house (`down` for what it pays, `up` for what it asks), with the rate it used.
   */
  async convert(
    amount: bigint,
    from: Pick<Currency, 'code' | 'scale'>,
    to: Pick<Currency, 'code' | 'scale'>,
    rounding: 'down' | 'up',
  ): Promise<{ amount: bigint; rate: LockedRate }> {
    const locked = await this.lockRate(from.code, to.code);
    return { amount: convertMinor(amount, locked.rate, from.scale, to.scale, rounding), rate: locked };
  }
}
