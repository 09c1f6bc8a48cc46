import { describe, expect, it } from 'vitest';
import { conversionPath, convertMinor, rateAlong } from '../../domain/rates/conversion.js';
import { formatRate, invert, midpoint, multiply, parseRate, rate, sameRate } from '../../domain/rates/rate.js';
import {
  ask,
  bid,
  formulaProblem,
  formulaValue,
  isStale,
  refreshRound,
  type Observation,
  type RateSetting,
} from '../../domain/rates/sources.js';

const r = (text: string) => parseRate(text)!;

describe('rates as exact fractions', () => {
  it('parses decimals exactly and refuses what is not a positive decimal', () => {
    expect(r('41.2345')).toEqual({ num: 82469n, den: 2000n });
    expect(r('90000')).toEqual({ num: 90000n, den: 1n });
    expect(r('0.000000000000000001')).toEqual({ num: 1n, den: 10n ** 18n });
    for (const bad of ['0', '0.000', '-1', '1e5', '1.', '.5', 'NaN', '']) expect(parseRate(bad)).toBeNull();
  });

  it('multiplies and inverts without rounding; only display rounds (half up)', () => {
    const uah = multiply(r('1.0005'), r('41.5'));
    expect(formatRate(uah, 30)).toBe('41.52075');
    const third = invert(r('3'));
    expect(sameRate(multiply(third, r('3')), rate(1n, 1n))).toBe(true);
    expect(formatRate(third, 4)).toBe('0.3333');
    expect(formatRate(invert(r('1.5')), 4)).toBe('0.6667');
    expect(formatRate(r('2'), 4)).toBe('2');
    expect(midpoint(r('118449.02'), r('118449.03'))).toEqual(r('118449.025'));
  });

  it('puts the spread on each side of the mid', () => {
    expect(ask(r('100'), 2_000n)).toEqual(r('100.2'));
    expect(bid(r('100'), 2_000n)).toEqual(r('99.8'));
    expect(ask(r('100'), 0n)).toEqual(r('100'));
  });

  it('calls an observed rate stale past its maximum age, and a static one never', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    expect(isStale(new Date('2026-11-30T11:59:00Z'), 60, now)).toBe(false);
    expect(isStale(new Date('2026-11-30T11:58:59.999Z'), 60, now)).toBe(true);
    expect(isStale(null, 1, now)).toBe(false);
  });
});

const pair = (code: string, source: RateSetting['source'], spreadPpm = 0n): RateSetting => {
  const [base, quote] = code.split('-') as [string, string];
  return { code, base, quote, source, spreadPpm, maxAgeSeconds: 60 };
};
const settings = new Map(
  [
    pair('USDT-USD', { kind: 'external', exchange: 'binance', symbol: 'USDT/USD' }),
    pair('USD-UAH', { kind: 'static', rate: r('41.5') }),
    pair('USDT-UAH', {
      kind: 'formula',
      legs: [
        { pair: 'USDT-USD', invert: false },
        { pair: 'USD-UAH', invert: false },
      ],
    }),
    pair('UAH-USDT', { kind: 'formula', legs: [{ pair: 'USDT-UAH', invert: true }] }),
  ].map((s) => [s.code, s]),
);

describe('formulas', () => {
  it('multiplies the legs, inverted where asked, and is as old as its oldest observed leg', () => {
    const early = new Date('2026-11-30T11:00:00Z');
    const known = new Map<string, Observation>([
      ['USDT-USD', { mid: r('1.0005'), asOf: early }],
      ['USD-UAH', { mid: r('41.5'), asOf: null }],
    ]);
    const legs = settings.get('USDT-UAH')!.source;
    expect(legs.kind === 'formula' && formulaValue(legs.legs, known)).toEqual({ mid: r('41.52075'), asOf: early });
    expect(formulaValue([{ pair: 'USDT-USD', invert: true }], known)?.mid).toEqual(rate(10000n, 10005n));
    expect(formulaValue([{ pair: 'EUR-USD', invert: false }], known)).toBeNull();
  });

  it('refuses legs that do not chain from base to quote, unknown pairs and cycles', () => {
    const target = { code: 'USDT-UAH', base: 'USDT', quote: 'UAH' };
    expect(
      formulaProblem(
        target,
        [
          { pair: 'USDT-USD', invert: false },
          { pair: 'USD-UAH', invert: false },
        ],
        settings,
      ),
    ).toBeNull();
    expect(formulaProblem(target, [{ pair: 'USD-UAH', invert: false }], settings)).toMatch(/starts in USD, not USDT/);
    expect(formulaProblem(target, [{ pair: 'USDT-USD', invert: false }], settings)).toMatch(/end in USD, not UAH/);
    expect(formulaProblem(target, [{ pair: 'EUR-UAH', invert: false }], settings)).toMatch(/unknown pair/);
    expect(formulaProblem(target, [], settings)).toMatch(/1 to 4 legs/);
    // USDT-UAH = 1 / UAH-USDT, which is itself 1 / USDT-UAH
    expect(formulaProblem(target, [{ pair: 'UAH-USDT', invert: true }], settings)).toMatch(/depends on its own pair/);
  });

  it('refreshes statics, fetched tickers, and formulas in dependency order; a failed ticker keeps its last value', () => {
    const before = new Date('2026-11-30T11:00:00Z');
    const previous = new Map<string, Observation>([['USDT-USD', { mid: r('0.999'), asOf: before }]]);
    const round = refreshRound([...settings.values()], new Map(), previous);
    expect([...round.keys()].sort()).toEqual(['UAH-USDT', 'USD-UAH', 'USDT-UAH']);
    expect(round.get('USDT-UAH')).toEqual({ mid: r('41.4585'), asOf: before });
    expect(round.get('UAH-USDT')!.mid).toEqual(invert(r('41.4585')));

    const now = new Date('2026-11-30T12:00:00Z');
    const fresh = refreshRound([...settings.values()], new Map([['USDT-USD', { mid: r('1'), asOf: now }]]), previous);
    expect(fresh.get('USDT-UAH')).toEqual({ mid: r('41.5'), asOf: now });
  });

  it('prices a market-sourced pair at its last trade, observed when it traded, and formulas over it', () => {
    const traded = new Date('2026-11-30T11:59:30Z');
    const withMarket = [
      pair('BTC-USDT', { kind: 'market' }),
      pair('BTC-UAH', {
        kind: 'formula',
        legs: [
          { pair: 'BTC-USDT', invert: false },
          { pair: 'USDT-UAH', invert: false },
        ],
      }),
      ...settings.values(),
    ];
    const lastTrade = new Map([['BTC-USDT', { mid: r('91234.5'), asOf: traded }]]);
    const previous = new Map<string, Observation>([['USDT-USD', { mid: r('1'), asOf: null }]]);
    const round = refreshRound(withMarket, lastTrade, previous);
    expect(round.get('BTC-USDT')).toEqual({ mid: r('91234.5'), asOf: traded });
    expect(round.get('BTC-UAH')).toEqual({ mid: r('3786231.75'), asOf: traded });
    // a pair that never traded keeps no new value, so its last one ages
    expect(refreshRound(withMarket, new Map(), previous).has('BTC-USDT')).toBe(false);
  });
});

describe('conversion', () => {
  const pairs = [
    { code: 'BTC-USDT', base: 'BTC', quote: 'USDT' },
    { code: 'USDT-USD', base: 'USDT', quote: 'USD' },
    { code: 'USD-UAH', base: 'USD', quote: 'UAH' },
    { code: 'XRP-USDT', base: 'XRP', quote: 'USDT' },
  ];
  const mids = new Map<string, Observation>([
    ['BTC-USDT', { mid: r('90000'), asOf: null }],
    ['USDT-USD', { mid: r('1'), asOf: null }],
    ['USD-UAH', { mid: r('41.5'), asOf: null }],
    ['XRP-USDT', { mid: r('2.2'), asOf: null }],
  ]);

  it('finds the shortest chain of pairs, forwards or backwards', () => {
    expect(conversionPath('BTC', 'UAH', pairs)).toEqual([
      { pair: 'BTC-USDT', inverted: false },
      { pair: 'USDT-USD', inverted: false },
      { pair: 'USD-UAH', inverted: false },
    ]);
    expect(conversionPath('UAH', 'XRP', pairs)?.map((s) => s.inverted)).toEqual([true, true, true]);
    expect(conversionPath('USD', 'USD', pairs)).toEqual([]);
    expect(conversionPath('USD', 'EUR', pairs)).toBeNull();
  });

  it('converts minor units between scales, rounding the way asked', () => {
    const path = conversionPath('XRP', 'UAH', pairs)!;
    const xrpUah = rateAlong(path, mids); // 2.2 × 1 × 41.5 = 91.3
    expect(xrpUah).toEqual(r('91.3'));
    expect(convertMinor(1_000_000n, xrpUah, 6, 2, 'down')).toBe(9130n); // 1 XRP = 91.30 UAH
    expect(convertMinor(1n, xrpUah, 6, 2, 'down')).toBe(0n);
    expect(convertMinor(1n, xrpUah, 6, 2, 'up')).toBe(1n);
    const uahXrp = rateAlong(conversionPath('UAH', 'XRP', pairs)!, mids);
    expect(convertMinor(9130n, uahXrp, 2, 6, 'down')).toBe(1_000_000n);
    expect(convertMinor(100n, uahXrp, 2, 6, 'down')).toBe(10952n); // 1 / 91.3 = 0.0109529…
    expect(convertMinor(100n, uahXrp, 2, 6, 'up')).toBe(10953n);
  });
});
