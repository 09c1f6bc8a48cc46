/**
 * Whole numbers in query strings and forms: plain decimal digits within a range, the pattern being the whole rule (so
 * the document states it). z.coerce.number() read "0x10" as 16, " 5" as 5, "1e1" as 10 and "" as 0, answering for a
 * value nobody asked for.
 */
import { z } from '@hono/zod-openapi';

/** A string of digits from `min` (0 or 1) to `max`, without leading zeros; `[0-9]`, not `\d`, which is Unicode in Python. */
export function WholeNumber(min: 0 | 1, max: bigint) {
  return z
    .string()
    .regex(
      new RegExp(`^(?:${[...(min === 0 ? ['0'] : []), ...upTo(max)].join('|')})$`),
      `must be a whole number from ${min} to ${max}, in digits`,
    );
}

/**
 * Alternatives matching 1 to `max`: numbers with fewer digits, then those as long as `max` that keep its first i digits
 * and undercut the next one (or, when only nines follow it, go up to it).
 */
function upTo(max: bigint): string[] {
  const digits = max.toString();
  const n = digits.length;
  const exactly = (count: number) => (count === 0 ? '' : count === 1 ? '[0-9]' : `[0-9]{${count}}`);
  const atMost = (count: number) => (count === 0 ? '' : count === 1 ? '[0-9]?' : `[0-9]{0,${count}}`);
  const between = (lo: number, hi: number) => (lo === hi ? String(lo) : `[${lo}-${hi}]`);
  const alternatives = n > 1 ? [`[1-9]${atMost(n - 2)}`] : [];
  for (let i = 0; i < n; i++) {
    const lowest = i === 0 ? 1 : 0;
    const digit = Number(digits[i]);
    const rest = digits.slice(i + 1);
    const highest = /^9*$/.test(rest) ? digit : digit - 1;
    if (highest >= lowest) alternatives.push(digits.slice(0, i) + between(lowest, highest) + exactly(rest.length));
    if (highest === digit) break;
  }
  return alternatives;
}
