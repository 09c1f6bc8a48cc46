import { describe, expect, it } from 'vitest';
import {
  accountId,
  accountPolicy,
  applyGroup,
  balanceView,
  requestMatchesEntry,
  type AccountState,
  type LedgerState,
} from '../../domain/ledger/engine.js';

function account(name: string, currency = 'USD', creditsPosted = 0n): AccountState {
  return {
    name,
    currency,
    noOverdraft: accountPolicy(name).noOverdraft,
    debitsPosted: 0n,
    creditsPosted,
    debitsPending: 0n,
    creditsPending: 0n,
  };
}

function ledger(...accounts: AccountState[]): LedgerState {
  return {
    accounts: new Map(accounts.map((a) => [accountId(a.name, a.currency), a])),
    pendings: new Map(),
    counters: new Map(),
  };
}

const get = (state: LedgerState, name: string, currency = 'USD') => state.accounts.get(accountId(name, currency))!;

describe('applyGroup', () => {
  it('posts a transfer: debit and credit move by the same amount', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('user:b'));
    const result = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 'k1', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 300n }],
    });
    expect(result.ok).toBe(true);
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 700n, pending: 0n, available: 700n });
    expect(balanceView(get(state, 'user:b'))).toEqual({ posted: 300n, pending: 0n, available: 300n });
  });

  it('refuses to overdraw a user account and leaves state untouched', () => {
    const state = ledger(account('user:a', 'USD', 100n), account('user:b'));
    const result = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 'k1', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 101n }],
    });
    expect(result).toEqual({
      ok: false,
      error: { code: 'insufficient_funds', message: 'insufficient available balance', subject: 'user:a' },
    });
    expect(get(state, 'user:a').debitsPosted).toBe(0n);
  });

  it('lets system accounts go negative (equity funds users)', () => {
    const state = ledger(account('equity:adjustments'), account('user:a'));
    const result = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 'k', debit: 'equity:adjustments', credit: 'user:a', currency: 'USD', amount: 5n }],
    });
    expect(result.ok).toBe(true);
    expect(balanceView(get(state, 'equity:adjustments')).posted).toBe(-5n);
  });

  it('is all or nothing: a failing second transfer undoes the first', () => {
    const state = ledger(account('user:a', 'USD', 100n), account('user:b'), account('fees:USD'));
    const result = applyGroup(state, {
      transfers: [
        { kind: 'posted', key: 'amount', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 100n },
        { kind: 'posted', key: 'fee', debit: 'user:a', credit: 'fees:USD', currency: 'USD', amount: 1n },
      ],
    });
    expect(result.ok).toBe(false);
    expect(get(state, 'user:a').debitsPosted).toBe(0n);
    expect(get(state, 'user:b').creditsPosted).toBe(0n);
  });

  it('holds funds with a pending transfer: available drops, posted does not', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    applyGroup(state, {
      transfers: [
        { kind: 'pending', key: 'hold', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'USD', amount: 400n },
      ],
    });
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 1000n, pending: 400n, available: 600n });
    const second = applyGroup(state, {
      transfers: [
        { kind: 'pending', key: 'hold2', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'USD', amount: 601n },
      ],
    });
    expect(second.ok).toBe(false);
  });

  it('posts part of a pending transfer and releases the rest', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    applyGroup(state, {
      transfers: [
        { kind: 'pending', key: 'hold', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'USD', amount: 400n },
      ],
    });
    const result = applyGroup(state, { transfers: [{ kind: 'post', key: 'post', pendingKey: 'hold', amount: 150n }] });
    expect(result.ok && result.entries[0]).toMatchObject({ kind: 'post', amount: 150n, debit: 'user:a', pendingKey: 'hold' });
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 850n, pending: 0n, available: 850n });
    expect(get(state, 'clearing:withdrawals').creditsPending).toBe(0n);
  });

  it('voids a pending transfer once, and refuses to resolve it again', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    applyGroup(state, {
      transfers: [
        { kind: 'pending', key: 'hold', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'USD', amount: 400n },
      ],
    });
    expect(applyGroup(state, { transfers: [{ kind: 'void', key: 'void', pendingKey: 'hold' }] }).ok).toBe(true);
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 1000n, pending: 0n, available: 1000n });
    const again = applyGroup(state, { transfers: [{ kind: 'post', key: 'post', pendingKey: 'hold' }] });
    expect(again.ok || again.error.code).toBe('pending_already_resolved');
  });

  it('refuses posting more than was held, or a pending that does not exist', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    applyGroup(state, {
      transfers: [
        { kind: 'pending', key: 'hold', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'USD', amount: 400n },
      ],
    });
    const tooMuch = applyGroup(state, { transfers: [{ kind: 'post', key: 'p', pendingKey: 'hold', amount: 401n }] });
    expect(tooMuch.ok || tooMuch.error.code).toBe('amount_exceeds_pending');
    const missing = applyGroup(state, { transfers: [{ kind: 'void', key: 'v', pendingKey: 'nope' }] });
    expect(missing.ok || missing.error.code).toBe('pending_not_found');
  });

  it('refuses zero, negative and same-account transfers', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('user:b'));
    const zero = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 'z', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 0n }],
    });
    expect(zero.ok || zero.error.code).toBe('validation_failed');
    const negative = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 'n', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: -1n }],
    });
    expect(negative.ok || negative.error.code).toBe('validation_failed');
    const self = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 's', debit: 'user:a', credit: 'user:a', currency: 'USD', amount: 1n }],
    });
    expect(self.ok || self.error.code).toBe('same_account');
  });

  it('checks counters against their limit in the same step', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('user:b'));
    const transfer = (key: string, amount: bigint) => ({
      transfers: [{ kind: 'posted' as const, key, debit: 'user:a', credit: 'user:b', currency: 'USD', amount }],
      counters: [{ key: 'daily:a', add: amount, max: 500n }],
    });
    expect(applyGroup(state, transfer('t1', 300n)).ok).toBe(true);
    const over = applyGroup(state, transfer('t2', 201n));
    expect(over.ok || over.error).toEqual({ code: 'limit_exceeded', message: 'this would exceed a limit', subject: 'daily:a' });
    expect(state.counters.get('daily:a')).toBe(300n);
    expect(get(state, 'user:a').debitsPosted).toBe(300n);
    expect(applyGroup(state, transfer('t3', 200n)).ok).toBe(true);
  });

  it('keeps every currency summing to zero over random transfers', () => {
    const names = ['user:a', 'user:b', 'user:c', 'equity:adjustments', 'fees:USD'];
    const state = ledger(...names.map((n) => account(n)));
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    for (let i = 0; i < 2_000; i++) {
      const debit = names[random(names.length)]!;
      const credit = names[random(names.length)]!;
      applyGroup(state, {
        transfers: [{ kind: 'posted', key: `k${i}`, debit, credit, currency: 'USD', amount: BigInt(random(500) + 1) }],
      });
    }
    const sum = [...state.accounts.values()].reduce((s, a) => s + a.creditsPosted - a.debitsPosted, 0n);
    expect(sum).toBe(0n);
    for (const a of state.accounts.values()) if (a.noOverdraft) expect(balanceView(a).posted >= 0n).toBe(true);
  });
});

describe('requestMatchesEntry', () => {
  const entry = {
    key: 'k',
    kind: 'posted' as const,
    pendingKey: null,
    debit: 'user:a',
    credit: 'user:b',
    currency: 'USD',
    amount: 5n,
    metadata: {},
  };
  it('matches the same request and not a different one', () => {
    const request = { kind: 'posted' as const, key: 'k', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 5n };
    expect(requestMatchesEntry(request, entry)).toBe(true);
    expect(requestMatchesEntry({ ...request, amount: 6n }, entry)).toBe(false);
    expect(requestMatchesEntry({ ...request, credit: 'user:c' }, entry)).toBe(false);
  });
  it('matches a full post by the pending amount', () => {
    const post = { ...entry, kind: 'post' as const, pendingKey: 'hold', amount: 9n };
    expect(requestMatchesEntry({ kind: 'post', key: 'k', pendingKey: 'hold' }, post, 9n)).toBe(true);
    expect(requestMatchesEntry({ kind: 'post', key: 'k', pendingKey: 'hold', amount: 8n }, post, 9n)).toBe(false);
  });
});
