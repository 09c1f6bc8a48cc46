import { describe, expect, it } from 'vitest';
import { inMinorUnits, withAmountsWritten } from '../../domain/notifications/amounts.js';

const scales: Record<string, number> = { BTC: 8, USD: 2 };
const scaleOf = (currency: string) => scales[currency]!;

describe("amounts in workflows' notifications", () => {
  it('writes every amount named in minor units in its currency’s scale, at any depth, and leaves the rest alone', () => {
    const body = {
      event_id: '7',
      tally: {
        won: 2,
        currencies: [
          { currency: 'BTC', staked: inMinorUnits('7000000', 'BTC'), paidOut: inMinorUnits('0', 'BTC') },
          { currency: 'USD', staked: inMinorUnits('-1250', 'USD'), paidOut: inMinorUnits('3002', 'USD') },
        ],
      },
      note: null,
      // not an amount: more than the two fields
      other: { minorUnits: '5', currency: 'USD', label: 'x' },
    };
    expect(withAmountsWritten(body, scaleOf)).toEqual({
      event_id: '7',
      tally: {
        won: 2,
        currencies: [
          { currency: 'BTC', staked: '0.07000000', paidOut: '0.00000000' },
          { currency: 'USD', staked: '-12.50', paidOut: '30.02' },
        ],
      },
      note: null,
      other: { minorUnits: '5', currency: 'USD', label: 'x' },
    });
  });
});
