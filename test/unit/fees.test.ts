import { describe, expect, it } from 'vitest';
import { PPM, feeFor, formatPercent, parsePercent } from '../../domain/fees.js';

// test/unit/money.test.ts covers the basics; these are the edges.
describe('feeFor', () => {
  it('adds the fixed part to the rounded-up rate part', () => {
    const schedule = { fixed: 30n, ratePpm: 29_000n }; // 0.30 + 2.9%
    expect(feeFor(10_000n, schedule)).toBe(320n); // 30 + 290
    expect(feeFor(10_001n, schedule)).toBe(321n); // 30 + 290.029 → 291
    expect(feeFor(0n, schedule)).toBe(30n); // the fixed part alone
  });

  it('rounds up only a real remainder: an exact rate part stays as it is', () => {
    expect(feeFor(1_000_000n, { fixed: 0n, ratePpm: 1n })).toBe(1n);
    expect(feeFor(1_000_001n, { fixed: 0n, ratePpm: 1n })).toBe(2n);
    expect(feeFor(999_999n, { fixed: 0n, ratePpm: 1n })).toBe(1n);
  });

  it('charges the whole amount at 100%', () => {
    expect(feeFor(123_456_789n, { fixed: 0n, ratePpm: PPM })).toBe(123_456_789n);
  });
});

describe('parsePercent and formatPercent', () => {
  it('accepts up to three whole digits and four decimals, and at most 100', () => {
    expect(parsePercent('100.0000')).toEqual({ ok: true, ppm: 1_000_000n });
    expect(parsePercent('0')).toEqual({ ok: true, ppm: 0n });
    expect(parsePercent('2.9')).toEqual({ ok: true, ppm: 29_000n });
    expect(parsePercent('007.5')).toEqual({ ok: true, ppm: 75_000n });
    expect(parsePercent('101')).toEqual({ ok: false, reason: 'must not exceed 100' });
    const malformed = { ok: false, reason: 'must be a percentage with at most 4 decimals, such as "0.25"' };
    for (const text of ['1000', '.5', '5.', '1e2', ' 1', '1,5', '', '0.12345']) expect(parsePercent(text)).toEqual(malformed);
  });

  it('formats without trailing zeros and round-trips', () => {
    expect(formatPercent(1n)).toBe('0.0001');
    expect(formatPercent(29_000n)).toBe('2.9');
    expect(formatPercent(10_000n)).toBe('1');
    for (const text of ['0.0001', '0.25', '2.9', '12.3456', '99.99', '100']) {
      const parsed = parsePercent(text);
      expect(parsed.ok && formatPercent(parsed.ppm)).toBe(text);
    }
  });
});
