/** Whole numbers in query strings: the pattern takes exactly the plain digits of the range, nothing else. */
import { describe, expect, it } from 'vitest';
import { WholeNumber } from '../../api/http/whole-numbers.js';

describe('WholeNumber', () => {
  it.each([1n, 9n, 10n, 19n, 99n, 100n, 101n, 109n, 250n, 909n, 990n, 999n, 1000n, 4299n])(
    'takes exactly the numbers from 0 or 1 up to %s, written without leading zeros',
    (max) => {
      for (const min of [0, 1] as const) {
        const schema = WholeNumber(min, max);
        const wrong = [];
        for (let n = 0n; n <= max * 11n + 20n; n++)
          for (const text of [String(n), `0${n}`])
            if (schema.safeParse(text).success !== (text === String(n) && n >= BigInt(min) && n <= max)) wrong.push(text);
        expect([min, wrong]).toEqual([min, []]);
      }
    },
  );

  it('refuses what z.coerce.number() read as a number', () => {
    const limit = WholeNumber(1, 100n);
    for (const text of ['0x10', ' 5', '5 ', '1e1', '', '+5', '-1', '5.0', '٥']) expect(limit.safeParse(text).success).toBe(false);
  });

  it('bounds a 32-bit number exactly', () => {
    const tag = WholeNumber(0, 4_294_967_295n);
    for (const text of ['0', '7', '4294967295', '4294967199', '3999999999']) expect(tag.safeParse(text).success).toBe(true);
    for (const text of ['4294967296', '4294967300', '5000000000', '9999999999', '10000000000'])
      expect(tag.safeParse(text).success).toBe(false);
  });
});
