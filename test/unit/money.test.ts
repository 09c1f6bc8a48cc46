import { describe, expect, it } from 'vitest';
import { divCeil, formatAmount, formatAmountForPeople, MAX_MINOR_UNITS, parseAmount } from '../../domain/money.js';
import { feeFor, formatPercent, parsePercent } from '../../domain/fees.js';

describe('parseAmount', () => {
  it.each([
    ['12.34', 2, 1234n],
    ['12', 2, 1200n],
    ['0.01', 2, 1n],
    ['1.5', 6, 1_500_000n],
    ['1', 18, 10n ** 18n],
    ['0.000000000000000001', 18, 1n],
    ['007.10', 2, 710n],
  ])('parses %s at scale %i', (text, scale, expected) => {
    expect(parseAmount(text, scale)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['1.234', 2, 'must have at most 2 decimal places'],
    ['1.5', 0, 'must be a whole number'],
    ['-1', 2, 'must not be negative'],
    ['0', 2, 'must be greater than zero'],
    ['0.00', 2, 'must be greater than zero'],
    ['1e5', 2, 'must be a decimal string such as "12.50"'],
    ['', 2, 'must be a decimal string such as "12.50"'],
    [' 1', 2, 'must be a decimal string such as "12.50"'],
    ['1.', 2, 'must be a decimal string such as "12.50"'],
    ['.5', 2, 'must be a decimal string such as "12.50"'],
    ['+1', 2, 'must be a decimal string such as "12.50"'],
    ['1,5', 2, 'must be a decimal string such as "12.50"'],
    ['NaN', 2, 'must be a decimal string such as "12.50"'],
    ['Infinity', 2, 'must be a decimal string such as "12.50"'],
    ['9'.repeat(61), 0, 'must be a decimal string such as "12.50"'],
    ['9'.repeat(40), 0, 'is too large'],
  ])('rejects %j at scale %i', (text, scale, reason) => {
    expect(parseAmount(text, scale)).toEqual({ ok: false, reason });
  });

  it('accepts signed amounts and zero only when asked', () => {
    expect(parseAmount('-5.25', 2, { signed: true })).toEqual({ ok: true, value: -525n });
    expect(parseAmount('0', 2, { allowZero: true })).toEqual({ ok: true, value: 0n });
    // a signed amount may be below zero, so zero is refused as zero
    expect(parseAmount('-0', 2, { signed: true })).toEqual({ ok: false, reason: 'must not be zero' });
  });

  it('accepts the largest amount and refuses one more', () => {
    expect(parseAmount(MAX_MINOR_UNITS.toString(), 0)).toEqual({ ok: true, value: MAX_MINOR_UNITS });
    expect(parseAmount((MAX_MINOR_UNITS + 1n).toString(), 0).ok).toBe(false);
  });
});

describe('formatAmount', () => {
  it.each([
    [1234n, 2, '12.34'],
    [1n, 2, '0.01'],
    [0n, 2, '0.00'],
    [-1n, 6, '-0.000001'],
    [10n ** 18n, 18, '1.000000000000000000'],
    [42n, 0, '42'],
  ])('formats %s at scale %i', (minor, scale, text) => {
    expect(formatAmount(minor, scale)).toBe(text);
  });

  it('round-trips with parseAmount', () => {
    for (const text of ['0.01', '123456789.123456', '1.000000000000000001']) {
      const scale = text.split('.')[1]!.length;
      const parsed = parseAmount(text, scale);
      expect(parsed.ok && formatAmount(parsed.value, scale)).toBe(text);
    }
  });
});

describe('fees', () => {
  it('adds a fixed part to a rate that rounds up to the next minor unit', () => {
    expect(feeFor(10_000n, { fixed: 0n, ratePpm: 2_500n })).toBe(25n); // 0.25% of 100.00
    expect(feeFor(1n, { fixed: 0n, ratePpm: 2_500n })).toBe(1n); // never rounds a fee to zero
    expect(feeFor(10_000n, { fixed: 50n, ratePpm: 0n })).toBe(50n);
    expect(feeFor(0n, { fixed: 0n, ratePpm: 0n })).toBe(0n);
  });

  it('parses and formats percentages exactly', () => {
    expect(parsePercent('0.25')).toEqual({ ok: true, ppm: 2_500n });
    expect(parsePercent('100')).toEqual({ ok: true, ppm: 1_000_000n });
    expect(parsePercent('0.0001')).toEqual({ ok: true, ppm: 1n });
    expect(parsePercent('100.0001').ok).toBe(false);
    expect(parsePercent('0.00001').ok).toBe(false);
    expect(parsePercent('-1').ok).toBe(false);
    expect(formatPercent(2_500n)).toBe('0.25');
    expect(formatPercent(1_000_000n)).toBe('100');
    expect(formatPercent(0n)).toBe('0');
  });

  it('divCeil refuses negative input', () => {
    expect(divCeil(7n, 2n)).toBe(4n);
    expect(() => divCeil(-1n, 2n)).toThrow(RangeError);
  });

  it('formats amounts for people without trailing zeros', () => {
    expect(formatAmountForPeople(50_000_000_000_000_000n, 18)).toBe('0.05');
    expect(formatAmountForPeople(1_200n, 2)).toBe('12');
    expect(formatAmountForPeople(1_205n, 2)).toBe('12.05');
    expect(formatAmountForPeople(0n, 6)).toBe('0');
    expect(formatAmountForPeople(100n, 0)).toBe('100');
    expect(formatAmountForPeople(-1_500n, 3)).toBe('-1.5');
  });
});
