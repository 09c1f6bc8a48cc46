import { describe, expect, it } from 'vitest';
import { inMinorUnits, withAmountsWritten } from '../../domain/notifications/amounts.js';

const scales: Record<string, number> = { BTC: 8, USD: 2, ETH: 18 };
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

  it('writes wei as ETH, beside the fields operators already read (the gas keeper’s and reconciliation’s alerts)', () => {
    const body = {
      chain: 'evm-1',
      currency: 'ETH',
      balance: inMinorUnits('1500000000000000', 'ETH'),
      threshold: inMinorUnits('500000000000000000', 'ETH'),
      queued: 3,
      drifts: [{ account: 'custody:hot:evm-1', currency: 'ETH', unexplained: inMinorUnits('-250021000000000000', 'ETH') }],
    };
    expect(withAmountsWritten(body, scaleOf)).toEqual({
      chain: 'evm-1',
      currency: 'ETH',
      balance: '0.001500000000000000',
      threshold: '0.500000000000000000',
      queued: 3,
      drifts: [{ account: 'custody:hot:evm-1', currency: 'ETH', unexplained: '-0.250021000000000000' }],
    });
  });
});
