import { describe, expect, it } from 'vitest';
import { decideDeposits, DEPOSIT_SETTINGS, type DepositSettings } from '../../domain/deposits/settings.js';

const defaults = DEPOSIT_SETTINGS.decode(DEPOSIT_SETTINGS.defaults);
const rules: DepositSettings = {
  ...defaults,
  minAmount: 100n,
  maxAmount: 10_000n,
  fee: { fixed: 5n, ratePpm: 0n },
  providerCost: { fixed: 2n, ratePpm: 0n },
};
const deposit = (id: string, amount: bigint, address = 'a1') => ({
  depositId: id,
  userId: 'u1',
  currency: 'USDT',
  address,
  amount,
});

describe('decideDeposits (Peatio #2790: nothing below the minimum is lost)', () => {
  it('holds deposits below the minimum and credits them with the one that makes the address reach it', () => {
    const decisions = decideDeposits([deposit('1', 40n), deposit('2', 30n), deposit('3', 50n)], [], () => rules);
    expect(decisions.map((d) => d.kind)).toEqual(['hold', 'hold', 'credit']);
    expect(decisions[0]).toMatchObject({ reason: 'below_minimum', providerCost: 2n });
    expect(decisions[2]).toMatchObject({ released: [deposit('1', 40n), deposit('2', 30n)], fee: 5n, providerCost: 2n });
  });

  it('counts deposits held earlier, per address, and not those held above the maximum', () => {
    const earlier = [deposit('1', 60n), deposit('2', 60n, 'a2')];
    const decisions = decideDeposits([deposit('3', 20_000n), deposit('4', 50n), deposit('5', 10n, 'a2')], earlier, () => rules);
    expect(decisions[0]).toMatchObject({ kind: 'hold', reason: 'above_maximum' });
    expect(decisions[1]).toMatchObject({ kind: 'credit', released: [deposit('1', 60n)] });
    expect(decisions[2]).toMatchObject({ kind: 'hold', reason: 'below_minimum' }); // a2: 60 + 10 < 100
  });

  it('holds everything while deposits are off, and never charges more fee than the total', () => {
    expect(decideDeposits([deposit('1', 500n)], [], () => ({ ...rules, enabled: false }))[0]).toMatchObject({
      kind: 'hold',
      reason: 'deposits_disabled',
    });
    const costly = { ...rules, minAmount: 1n, fee: { fixed: 1_000n, ratePpm: 0n } };
    expect(decideDeposits([deposit('1', 500n)], [], () => costly)[0]).toMatchObject({ kind: 'credit', fee: 500n });
  });

  it("credits a payment to an invoice whole, whatever its merchant's deposit settings say", () => {
    const payment = { ...deposit('1', 5n), invoiceId: 'inv-1' };
    const closed = { ...rules, enabled: false, fee: { fixed: 1_000n, ratePpm: 0n } };
    expect(decideDeposits([payment], [deposit('0', 60n)], () => closed)[0]).toEqual({
      kind: 'credit',
      deposit: payment,
      released: [],
      fee: 0n,
      providerCost: 0n,
    });
  });
});
