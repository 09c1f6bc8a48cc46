import { describe, expect, it } from 'vitest';
import { BALANCE_FIELDS, auditReport, currencyTotals, type Drift } from '../../domain/audit/report.js';
import { applyGroup, type LedgerState } from '../../domain/ledger/engine.js';
import { MAX_MINOR_UNITS } from '../../domain/money.js';
import { account, ledgerOf } from './support/ledger-state.js';

const row = { currency: 'USD', accounts: 3, postedSum: 0n, pendingDebits: 0n, pendingCredits: 0n };

describe('currencyTotals', () => {
  it('is balanced when posted amounts sum to zero and pending debits equal pending credits', () => {
    expect(currencyTotals({ ...row, pendingDebits: 250n, pendingCredits: 250n })).toEqual({
      currency: 'USD',
      accounts: 3,
      postedSum: '0',
      pendingDebits: '250',
      pendingCredits: '250',
      balanced: true,
    });
  });

  it('is not balanced when posted amounts do not sum to zero, either way', () => {
    expect(currencyTotals({ ...row, postedSum: 1n })).toMatchObject({ postedSum: '1', balanced: false });
    expect(currencyTotals({ ...row, postedSum: -5n })).toMatchObject({ postedSum: '-5', balanced: false });
  });

  it('is not balanced when pending debits and credits differ by one minor unit', () => {
    expect(currencyTotals({ ...row, pendingDebits: 250n, pendingCredits: 249n })).toMatchObject({
      pendingDebits: '250',
      pendingCredits: '249',
      balanced: false,
    });
  });

  it('writes amounts as exact decimal strings of minor units, far beyond a float', () => {
    const big = MAX_MINOR_UNITS * 1_000n + 1n;
    const totals = currencyTotals({ ...row, postedSum: -big, pendingDebits: big, pendingCredits: big });
    expect(totals.postedSum).toBe('-100000000000000000000000000000000000000001');
    expect(totals.pendingDebits).toBe('100000000000000000000000000000000000000001');
    expect(totals.balanced).toBe(false);
  });

  it('balances for books the engine wrote: every transfer debits what it credits', () => {
    const state: LedgerState = ledgerOf(
      account('user:a', 'USD'),
      account('user:b', 'USD'),
      account('equity:adjustments', 'USD'),
      account('clearing:withdrawals', 'USD'),
    );
    applyGroup(state, {
      transfers: [
        { kind: 'posted', key: 'fund', debit: 'equity:adjustments', credit: 'user:a', currency: 'USD', amount: 1_000n },
      ],
    });
    applyGroup(state, {
      transfers: [
        { kind: 'posted', key: 't', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 300n },
        { kind: 'pending', key: 'h', debit: 'user:b', credit: 'clearing:withdrawals', currency: 'USD', amount: 120n },
      ],
    });
    const accounts = [...state.accounts.values()];
    const totals = currencyTotals({
      currency: 'USD',
      accounts: accounts.length,
      postedSum: accounts.reduce((sum, a) => sum + a.creditsPosted - a.debitsPosted, 0n),
      pendingDebits: accounts.reduce((sum, a) => sum + a.debitsPending, 0n),
      pendingCredits: accounts.reduce((sum, a) => sum + a.creditsPending, 0n),
    });
    expect(totals).toEqual({
      currency: 'USD',
      accounts: 4,
      postedSum: '0',
      pendingDebits: '120',
      pendingCredits: '120',
      balanced: true,
    });
  });
});

describe('auditReport', () => {
  const balanced = currencyTotals(row);
  const eur = currencyTotals({ ...row, currency: 'EUR', pendingDebits: 10n, pendingCredits: 10n });
  const drift: Drift = { account: 'user:a', currency: 'USD', field: 'debitsPosted', stored: '100', journal: '90' };

  it('is ok when every currency balances and no account drifts, and keeps the counts', () => {
    expect(auditReport({ accountsChecked: 7, transfersChecked: 42, currencies: [balanced, eur], drifts: [] })).toEqual({
      ok: true,
      accountsChecked: 7,
      transfersChecked: 42,
      currencies: [balanced, eur],
      drifts: [],
    });
  });

  it('is not ok with a single drift, even when every currency balances', () => {
    const report = auditReport({ accountsChecked: 7, transfersChecked: 42, currencies: [balanced, eur], drifts: [drift] });
    expect(report.ok).toBe(false);
    expect(report.drifts).toEqual([drift]);
  });

  it('is not ok with a single unbalanced currency, even without drifts', () => {
    const off = currencyTotals({ ...row, currency: 'ETH', postedSum: 1n });
    expect(auditReport({ accountsChecked: 7, transfersChecked: 42, currencies: [balanced, off, eur], drifts: [] }).ok).toBe(
      false,
    );
  });

  it('is ok for empty books', () => {
    expect(auditReport({ accountsChecked: 0, transfersChecked: 0, currencies: [], drifts: [] }).ok).toBe(true);
  });

  it('checks the four running sums of an account', () => {
    expect(BALANCE_FIELDS).toEqual(['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending']);
  });
});
