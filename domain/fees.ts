/**
 * Fees are a fixed part plus a rate in parts per million of the amount (1% = 10_000 ppm, so a percentage with up to
 * four decimals is exact). The rate part rounds up to the next minor unit: a fee is never undercharged by rounding.
 */
import { divCeil } from './money.js';

export const PPM = 1_000_000n;

export interface FeeSchedule {
  fixed: bigint;
  ratePpm: bigint;
}

export function feeFor(amount: bigint, schedule: FeeSchedule): bigint {
  return schedule.fixed + divCeil(amount * schedule.ratePpm, PPM);
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

/** "0.25" (percent) → 2500 ppm; at most four decimals and at most 100%. */
export function parsePercent(text: string): { ok: true; ppm: bigint } | { ok: false; reason: string } {
  const match = PERCENT.exec(text);
  if (!match) return { ok: false, reason: 'must be a percentage with at most 4 decimals, such as "0.25"' };
  const ppm = BigInt((match[1] ?? '') + (match[2] ?? '').padEnd(4, '0'));
  if (ppm > 100n * 10_000n) return { ok: false, reason: 'must not exceed 100' };
  return { ok: true, ppm };
}

export function formatPercent(ppm: bigint): string {
  const whole = ppm / 10_000n;
  const fraction = (ppm % 10_000n).toString().padStart(4, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}
