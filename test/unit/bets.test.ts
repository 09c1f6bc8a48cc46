import { describe, expect, it } from 'vitest';
import {
  bettingRefusal,
  bettorRefusal,
  coefficientChangeRefusal,
  deadlineProblem,
  MAX_BETTING_SECONDS,
  stateChange,
} from '../../domain/betting/events.js';
import {
  HOUSE_ACCOUNT,
  MAX_STAKE,
  formatCoefficient,
  parseCoefficient,
  parseStake,
  payoutFor,
  settleBet,
  stakeHoldGroup,
} from '../../domain/betting/bets.js';
import { applyGroup, balanceView, type AccountState, type LedgerState } from '../../domain/ledger/engine.js';
import { MAX_MINOR_UNITS } from '../../domain/money.js';

describe('payoutFor: stake × coefficient, rounded down to the minor unit', () => {
  it.each([
    [1000n, 185n, 1850n], // 10.00 USD at 1.85 → 18.50
    [1001n, 185n, 1851n], // 10.01 USD at 1.85 → 18.5185 → 18.51
    [1n, 185n, 1n], // 0.01 USD at 1.85 → 1.85 cents, the house pays 0.01
    [3n, 150n, 4n], // 0.03 at 1.50 → 4.5 cents → 0.04
    [99n, 101n, 99n], // 0.99 at 1.01 → 99.99 cents → 0.99: the winnings round away, the stake comes back
    [100n, 101n, 101n],
    [12_340_000n, 185n, 22_829_000n], // 12.34 USDT (6 decimals) at 1.85: exact
    [10n ** 18n, 1_000_000n, 10n ** 22n], // 1 ETH at 10000.00
  ])('%s at %s hundredths pays %s', (stake, coefficient, payout) => {
    expect(payoutFor(stake, coefficient)).toBe(payout);
  });

  it('never pays less than the stake, and never more than the exact product', () => {
    for (let stake = 1n; stake <= 500n; stake++) {
      for (const coefficient of [101n, 133n, 150n, 199n, 250n, 1001n]) {
        const payout = payoutFor(stake, coefficient);
        expect(payout).toBeGreaterThanOrEqual(stake);
        expect(payout * 100n).toBeLessThanOrEqual(stake * coefficient);
        expect((payout + 1n) * 100n).toBeGreaterThan(stake * coefficient);
      }
    }
  });

  it("stays within the ledger's range for the largest stake at the largest coefficient", () => {
    expect(payoutFor(MAX_STAKE, 1_000_000n)).toBeLessThanOrEqual(MAX_MINOR_UNITS);
  });

  it('refuses a stake or coefficient that cannot be a bet', () => {
    expect(() => payoutFor(0n, 185n)).toThrow(RangeError);
    expect(() => payoutFor(100n, 100n)).toThrow(RangeError);
  });
});

describe('parseStake: positive, at most 2 decimal places whatever the currency', () => {
  it.each([
    ['10', 2, 1000n],
    ['0.01', 2, 1n],
    ['12.34', 6, 12_340_000n],
    ['12.3', 18, 123n * 10n ** 17n],
    ['7', 0, 7n],
  ])('%s at scale %i is %s minor units', (text, scale, value) => {
    expect(parseStake(text, scale)).toEqual({ ok: true, value });
  });

  it.each([
    ['0', 2, 'must be greater than zero'],
    ['0.00', 6, 'must be greater than zero'],
    ['-5', 2, 'must not be negative'],
    ['1.234', 2, 'must have at most 2 decimal places'],
    ['1.234', 6, 'must have at most 2 decimal places'],
    ['1.5', 0, 'must be a whole number'],
    ['1e3', 2, 'must be a decimal string such as "12.50"'],
    ['', 2, 'must be a decimal string such as "12.50"'],
    ['9'.repeat(35), 2, 'is too large'],
    ['9'.repeat(20), 18, 'is too large'],
    ['9'.repeat(61), 2, 'must be a decimal string such as "12.50"'],
  ])('refuses %j at scale %i: %s', (text, scale, reason) => {
    expect(parseStake(text, scale)).toEqual({ ok: false, reason });
  });

  it('accepts the largest stake and refuses one minor unit more', () => {
    const largest = (MAX_STAKE / 100n).toString(); // whole units at scale 2
    expect(parseStake(largest, 2)).toEqual({ ok: true, value: (MAX_STAKE / 100n) * 100n });
    expect(parseStake(`${largest}.01`, 2)).toEqual({ ok: false, reason: 'is too large' });
  });
});

describe('parseCoefficient: a decimal above 1.00 with at most 2 places, kept in hundredths', () => {
  it.each([
    ['1.01', 101n, '1.01'],
    ['1.85', 185n, '1.85'],
    ['2', 200n, '2.00'],
    ['2.5', 250n, '2.50'],
    ['10000.00', 1_000_000n, '10000.00'],
  ])('%s is %s hundredths', (text, value, formatted) => {
    expect(parseCoefficient(text)).toEqual({ ok: true, value });
    expect(formatCoefficient(value)).toBe(formatted);
  });

  it.each([
    ['1.00', 'must be greater than 1.00'],
    ['1', 'must be greater than 1.00'],
    ['0', 'must be greater than 1.00'],
    ['0.5', 'must be greater than 1.00'],
    ['-2', 'must not be negative'],
    ['1.855', 'must have at most 2 decimal places'],
    ['10000.01', 'must be at most 10000.00'],
    ['1e2', 'must be a decimal string such as "12.50"'],
  ])('refuses %j: %s', (text, reason) => {
    expect(parseCoefficient(text)).toEqual({ ok: false, reason });
  });
});

describe('event deadlines and states', () => {
  const now = 1_800_000_000;

  it('takes a deadline strictly in the future and at most a year ahead', () => {
    expect(deadlineProblem(now + 1, now)).toBeNull();
    expect(deadlineProblem(now + MAX_BETTING_SECONDS, now)).toBeNull();
    expect(deadlineProblem(now, now)).toBe('must be in the future');
    expect(deadlineProblem(now - 1, now)).toBe('must be in the future');
    expect(deadlineProblem(now + MAX_BETTING_SECONDS + 1, now)).toBe('must be at most 366 days ahead');
    expect(deadlineProblem(now * 1000, now)).toBe('must be at most 366 days ahead'); // milliseconds by mistake
    expect(deadlineProblem(2 ** 60, now)).toBe('must be a unix timestamp in whole seconds');
  });

  it('lets a new event finish or be cancelled once, and a repeat of the final state through', () => {
    expect(stateChange('new', 'finished_win')).toBe('changed');
    expect(stateChange('new', 'cancelled')).toBe('changed');
    expect(stateChange('new', 'new')).toBe('unchanged');
    expect(stateChange('finished_lose', 'finished_lose')).toBe('unchanged');
    expect(stateChange('finished_win', 'cancelled')).toMatchObject({ code: 'event_final' });
    expect(stateChange('cancelled', 'new')).toMatchObject({ code: 'event_final' });
  });

  it('stops betting at exactly the deadline, when the book is closed, or once the event has a result', () => {
    const deadline = new Date('2030-01-01T00:00:00Z');
    const open = { state: 'new' as const, deadline, bookClosedAt: null };
    expect(bettingRefusal(open, new Date(deadline.getTime() - 1))).toBeNull();
    expect(bettingRefusal(open, deadline)).toMatchObject({ code: 'event_closed' });
    expect(bettingRefusal({ ...open, bookClosedAt: new Date(0) }, new Date(0))).toMatchObject({ code: 'event_closed' });
    expect(bettingRefusal({ ...open, state: 'finished_win' }, new Date(0))).toMatchObject({ code: 'event_not_open' });
    expect(bettorRefusal({ id: 'bettor' }, { createdBy: 'provider' })).toBeNull();
    expect(bettorRefusal({ id: 'bettor', settlesEveryEvent: false })).toBeNull();
    expect(bettorRefusal({ id: 'provider' }, { createdBy: 'provider' })).toMatchObject({
      code: 'forbidden',
      issues: [{ path: 'event_id' }],
    });
    expect(bettorRefusal({ id: 'operator', settlesEveryEvent: true })).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('operators set the results'),
    });
    expect(coefficientChangeRefusal(open, new Date(0))).toBeNull();
    expect(coefficientChangeRefusal(open, deadline)).toMatchObject({
      code: 'event_closed',
      issues: [{ path: 'coefficient', message: 'can no longer change: betting has closed' }],
    });
    expect(coefficientChangeRefusal({ ...open, state: 'cancelled' }, new Date(0))).toMatchObject({ code: 'event_final' });
    expect(coefficientChangeRefusal(open, new Date(0), true)).toMatchObject({
      code: 'event_closed',
      issues: [{ path: 'coefficient', message: 'cannot change together with the result' }],
    });
  });
});

describe('the ledger groups of a bet', () => {
  const account = (name: string, credits = 0n): AccountState => ({
    name,
    currency: 'USD',
    noOverdraft: name.startsWith('user:'),
    debitsPosted: 0n,
    creditsPosted: credits,
    debitsPending: 0n,
    creditsPending: 0n,
  });
  const ledger = (): LedgerState => ({
    accounts: new Map([
      ['USD/user:u1', account('user:u1', 5000n)],
      ['USD/house:bets', account(HOUSE_ACCOUNT)],
    ]),
    pendings: new Map(),
    counters: new Map(),
  });
  const bet = { betId: '7', eventId: '3', userId: 'u1', currency: 'USD', amount: 1000n, coefficient: 185n };
  const balances = (state: LedgerState) => ({
    user: balanceView(state.accounts.get('USD/user:u1')!),
    house: balanceView(state.accounts.get('USD/house:bets')!).posted,
  });

  it('holds the stake, then pays stake × coefficient on a win (user nets stake × (coefficient − 1))', () => {
    const state = ledger();
    expect(applyGroup(state, stakeHoldGroup(bet)).ok).toBe(true);
    expect(balances(state).user).toEqual({ posted: 5000n, pending: 1000n, available: 4000n });
    const won = settleBet(bet, 'finished_win');
    expect(won).toMatchObject({ status: 'won', payout: 1850n });
    expect(applyGroup(state, won.group).ok).toBe(true);
    expect(balances(state)).toEqual({ user: { posted: 5850n, pending: 0n, available: 5850n }, house: -850n });
  });

  it('gives the stake to the house on a loss and refunds it on a cancellation', () => {
    const lost = ledger();
    applyGroup(lost, stakeHoldGroup(bet));
    expect(settleBet(bet, 'finished_lose')).toMatchObject({ status: 'lost', payout: 0n });
    applyGroup(lost, settleBet(bet, 'finished_lose').group);
    expect(balances(lost)).toEqual({ user: { posted: 4000n, pending: 0n, available: 4000n }, house: 1000n });

    const cancelled = ledger();
    applyGroup(cancelled, stakeHoldGroup(bet));
    expect(settleBet(bet, 'cancelled')).toMatchObject({ status: 'refunded', payout: 1000n });
    applyGroup(cancelled, settleBet(bet, 'cancelled').group);
    expect(balances(cancelled)).toEqual({ user: { posted: 5000n, pending: 0n, available: 5000n }, house: 0n });
  });

  it('cannot settle the same bet twice, nor hold more than the available balance', () => {
    const state = ledger();
    applyGroup(state, stakeHoldGroup(bet));
    applyGroup(state, settleBet(bet, 'finished_lose').group);
    expect(applyGroup(state, settleBet({ ...bet }, 'cancelled').group)).toMatchObject({
      ok: false,
      error: { code: 'pending_already_resolved' },
    });
    expect(applyGroup(state, stakeHoldGroup({ ...bet, betId: '8', amount: 4001n }))).toMatchObject({
      ok: false,
      error: { code: 'insufficient_funds' },
    });
  });
});
