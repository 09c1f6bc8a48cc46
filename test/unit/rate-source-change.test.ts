/** An operator's rate source, as the ops API and the console give it, checked into a change or refused field by field. */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import { rateSourceChange } from '../../services/rates/service.js';

const base = { pair: 'USD-UAH', spreadPercent: '0.2', maxAgeSeconds: 60 };

describe('rateSourceChange', () => {
  it('reads each kind of source with its spread in parts per million', () => {
    expect(rateSourceChange({ ...base, kind: 'static', rate: '41.5' })).toEqual({
      pair: 'USD-UAH',
      source: { kind: 'static', rate: { num: 83n, den: 2n } },
      spreadPpm: 2_000n,
      maxAgeSeconds: 60,
    });
    expect(rateSourceChange({ ...base, kind: 'formula', legs: [{ pair: 'USDT-USD', invert: true }] }).source).toEqual({
      kind: 'formula',
      legs: [{ pair: 'USDT-USD', invert: true }],
    });
    expect(rateSourceChange({ ...base, kind: 'external', exchange: 'binance', symbol: 'USDT/UAH' }).source).toEqual({
      kind: 'external',
      exchange: 'binance',
      symbol: 'USDT/UAH',
    });
    expect(rateSourceChange({ ...base, kind: 'market' }).source).toEqual({ kind: 'market' });
  });

  it('names every field at fault at once', () => {
    const refused = (input: Parameters<typeof rateSourceChange>[0]) => {
      try {
        rateSourceChange(input);
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.ValidationFailed });
        return (error as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
      }
      throw new Error('accepted');
    };
    expect(refused({ ...base, kind: 'static', rate: '0', spreadPercent: '60', maxAgeSeconds: 0 })).toEqual([
      'spread_percent',
      'max_age_seconds',
      'rate',
    ]);
    expect(refused({ ...base, kind: 'formula', legs: [] })).toEqual(['legs']);
    expect(refused({ ...base, kind: 'external', exchange: 'Binance!', symbol: 'USDTUAH' })).toEqual(['exchange', 'symbol']);
    expect(refused({ ...base, kind: 'static', rate: '1', spreadPercent: 'a lot' })).toEqual(['spread_percent']);
  });
});
