import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import {
  MAX_KEY_LENGTH,
  accountPolicy,
  accountsTouched,
  applyGroup,
  balanceView,
  requestMatchesEntry,
  type AccountState,
  type LedgerState,
  type TransferGroup,
} from '../../domain/ledger/engine.js';
import { MAX_MINOR_UNITS } from '../../domain/money.js';
import { account, accountIn as get, ledgerOf as ledger } from './support/ledger-state.js';

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

/** A deep copy, to check a refused group left the state exactly as it was. */
const snapshot = (state: LedgerState): LedgerState => ({
  accounts: new Map([...state.accounts].map(([id, a]) => [id, { ...a }])),
  pendings: new Map([...state.pendings].map(([key, p]) => [key, { ...p }])),
  counters: new Map(state.counters),
});

const sums = (a: AccountState) => [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending];
const hold = (key: string, amount: bigint, debit = 'user:a'): TransferGroup => ({
  transfers: [{ kind: 'pending', key, debit, credit: 'clearing:withdrawals', currency: 'USD', amount }],
});
const errorOf = (result: ReturnType<typeof applyGroup>) => (result.ok ? null : result.error);

describe('applyGroup: two-phase transfers', () => {
  const held = () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    expect(applyGroup(state, hold('hold', 400n)).ok).toBe(true);
    return state;
  };

  it('voids: both sides return to where they were, and the entry records the pending amount and accounts', () => {
    const state = held();
    const result = applyGroup(state, { transfers: [{ kind: 'void', key: 'void', pendingKey: 'hold', metadata: { why: 'x' } }] });
    expect(result).toEqual({
      ok: true,
      entries: [
        {
          key: 'void',
          kind: 'void',
          pendingKey: 'hold',
          debit: 'user:a',
          credit: 'clearing:withdrawals',
          currency: 'USD',
          amount: 400n,
          metadata: { why: 'x' },
        },
      ],
    });
    expect(sums(get(state, 'user:a'))).toEqual([0n, 1000n, 0n, 0n]);
    expect(sums(get(state, 'clearing:withdrawals'))).toEqual([0n, 0n, 0n, 0n]);
    expect(state.pendings.get('hold')).toMatchObject({ amount: 400n, resolved: true });
  });

  it('posts the whole pending amount when the post names none', () => {
    const state = held();
    const result = applyGroup(state, { transfers: [{ kind: 'post', key: 'post', pendingKey: 'hold' }] });
    expect(result.ok && result.entries[0]?.amount).toBe(400n);
    expect(sums(get(state, 'user:a'))).toEqual([400n, 1000n, 0n, 0n]);
    expect(sums(get(state, 'clearing:withdrawals'))).toEqual([0n, 400n, 0n, 0n]);
  });

  it('a partial post moves only the posted part on both sides and releases the whole hold', () => {
    const state = held();
    expect(applyGroup(state, { transfers: [{ kind: 'post', key: 'post', pendingKey: 'hold', amount: 1n }] }).ok).toBe(true);
    expect(sums(get(state, 'user:a'))).toEqual([1n, 1000n, 0n, 0n]);
    expect(sums(get(state, 'clearing:withdrawals'))).toEqual([0n, 1n, 0n, 0n]);
    // the rest is not held any more: it cannot be posted later
    const rest = applyGroup(state, { transfers: [{ kind: 'post', key: 'post2', pendingKey: 'hold', amount: 399n }] });
    expect(errorOf(rest)?.code).toBe(ErrorCode.PendingAlreadyResolved);
  });

  it('posts exactly the pending amount, and refuses a zero or negative post', () => {
    const state = held();
    const before = snapshot(state);
    for (const amount of [0n, -1n, 401n]) {
      const result = applyGroup(state, { transfers: [{ kind: 'post', key: `p${amount}`, pendingKey: 'hold', amount }] });
      expect(errorOf(result)).toEqual({
        code: ErrorCode.AmountExceedsPending,
        message: 'a post must be positive and at most the pending amount',
        subject: 'hold',
      });
    }
    expect(state).toEqual(before);
    expect(applyGroup(state, { transfers: [{ kind: 'post', key: 'p', pendingKey: 'hold', amount: 400n }] }).ok).toBe(true);
  });

  it('refuses to void twice or to void what was posted, naming the pending transfer', () => {
    const voided = held();
    applyGroup(voided, { transfers: [{ kind: 'void', key: 'v1', pendingKey: 'hold' }] });
    expect(errorOf(applyGroup(voided, { transfers: [{ kind: 'void', key: 'v2', pendingKey: 'hold' }] }))).toEqual({
      code: ErrorCode.PendingAlreadyResolved,
      message: 'the pending transfer was already posted or voided',
      subject: 'hold',
    });
    const posted = held();
    applyGroup(posted, { transfers: [{ kind: 'post', key: 'p', pendingKey: 'hold' }] });
    const before = snapshot(posted);
    expect(errorOf(applyGroup(posted, { transfers: [{ kind: 'void', key: 'v', pendingKey: 'hold' }] }))?.code).toBe(
      ErrorCode.PendingAlreadyResolved,
    );
    expect(posted).toEqual(before);
  });

  it('counts pending debits against a user: a posted transfer cannot spend held funds', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('user:b'), account('clearing:withdrawals'));
    applyGroup(state, hold('hold', 400n));
    const spend = (key: string, amount: bigint): TransferGroup => ({
      transfers: [{ kind: 'posted', key, debit: 'user:a', credit: 'user:b', currency: 'USD', amount }],
    });
    expect(errorOf(applyGroup(state, spend('s1', 601n)))?.code).toBe(ErrorCode.InsufficientFunds);
    expect(applyGroup(state, spend('s2', 600n)).ok).toBe(true);
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 400n, pending: 400n, available: 0n });
    // posting the hold turns it into a posted debit without overdrawing
    expect(applyGroup(state, { transfers: [{ kind: 'post', key: 'p', pendingKey: 'hold' }] }).ok).toBe(true);
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 0n, pending: 0n, available: 0n });
  });

  it('keeps pending transfers per key: resolving one leaves the other held', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    applyGroup(state, hold('h1', 100n));
    applyGroup(state, hold('h2', 200n));
    applyGroup(state, { transfers: [{ kind: 'void', key: 'v', pendingKey: 'h1' }] });
    expect(balanceView(get(state, 'user:a'))).toEqual({ posted: 1000n, pending: 200n, available: 800n });
    expect(state.pendings.get('h2')?.resolved).toBe(false);
  });
});

describe('applyGroup: linked groups', () => {
  it('a pending created in a group can be posted later in the same group', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    const result = applyGroup(state, {
      transfers: [...hold('hold', 300n).transfers, { kind: 'post', key: 'post', pendingKey: 'hold', amount: 200n }],
    });
    expect(result.ok && result.entries.map((e) => [e.kind, e.amount])).toEqual([
      ['pending', 300n],
      ['post', 200n],
    ]);
    expect(sums(get(state, 'user:a'))).toEqual([200n, 1000n, 0n, 0n]);
    expect(state.pendings.get('hold')?.resolved).toBe(true);
  });

  it('a later transfer sees the balance an earlier one left', () => {
    const state = ledger(account('equity:adjustments'), account('user:a'), account('user:b'));
    const result = applyGroup(state, {
      transfers: [
        { kind: 'posted', key: 'in', debit: 'equity:adjustments', credit: 'user:a', currency: 'USD', amount: 100n },
        { kind: 'posted', key: 'out', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 100n },
      ],
    });
    expect(result.ok).toBe(true);
    expect(balanceView(get(state, 'user:a')).posted).toBe(0n);
    expect(balanceView(get(state, 'user:b')).posted).toBe(100n);
  });

  it('rolls back a pending created before the failing transfer: it never existed', () => {
    const state = ledger(account('user:a', 'USD', 100n), account('user:b'), account('clearing:withdrawals'));
    const before = snapshot(state);
    const result = applyGroup(state, {
      transfers: [
        ...hold('hold', 50n).transfers,
        { kind: 'posted', key: 'too-much', debit: 'user:a', credit: 'user:b', currency: 'USD', amount: 51n },
      ],
    });
    expect(errorOf(result)).toEqual({
      code: ErrorCode.InsufficientFunds,
      message: 'insufficient available balance',
      subject: 'user:a',
    });
    expect(state).toEqual(before);
    expect(state.pendings.has('hold')).toBe(false);
    expect(errorOf(applyGroup(state, { transfers: [{ kind: 'void', key: 'v', pendingKey: 'hold' }] }))?.code).toBe(
      ErrorCode.PendingNotFound,
    );
  });

  it('rolls back a resolution before the failing transfer: the hold can still be resolved', () => {
    const state = ledger(account('user:a', 'USD', 1000n), account('clearing:withdrawals'));
    applyGroup(state, hold('hold', 400n));
    const before = snapshot(state);
    const result = applyGroup(state, {
      transfers: [
        { kind: 'post', key: 'post', pendingKey: 'hold' },
        { kind: 'void', key: 'void', pendingKey: 'hold' },
      ],
    });
    expect(errorOf(result)?.code).toBe(ErrorCode.PendingAlreadyResolved);
    expect(state).toEqual(before);
    expect(state.pendings.get('hold')?.resolved).toBe(false);
    expect(applyGroup(state, { transfers: [{ kind: 'void', key: 'void', pendingKey: 'hold' }] }).ok).toBe(true);
  });

  it('refuses an empty group, a repeated key and keys outside 1..255 characters', () => {
    const state = ledger(account('equity:adjustments'), account('user:a'));
    const posted = (key: string) => ({
      kind: 'posted' as const,
      key,
      debit: 'equity:adjustments',
      credit: 'user:a',
      currency: 'USD',
      amount: 1n,
    });
    expect(errorOf(applyGroup(state, { transfers: [] }))).toEqual({
      code: ErrorCode.ValidationFailed,
      message: 'a group needs at least one transfer',
      subject: undefined,
    });
    expect(errorOf(applyGroup(state, { transfers: [posted('k'), posted('k')] }))).toEqual({
      code: ErrorCode.ValidationFailed,
      message: 'a group repeats a transfer key',
      subject: 'k',
    });
    expect(errorOf(applyGroup(state, { transfers: [posted('')] }))?.code).toBe(ErrorCode.ValidationFailed);
    const tooLong = 'k'.repeat(MAX_KEY_LENGTH + 1);
    expect(errorOf(applyGroup(state, { transfers: [posted(tooLong)] }))).toEqual({
      code: ErrorCode.ValidationFailed,
      message: 'a transfer key must have 1 to 255 characters',
      subject: tooLong,
    });
    expect(get(state, 'user:a').creditsPosted).toBe(0n);
    expect(applyGroup(state, { transfers: [posted('k'.repeat(MAX_KEY_LENGTH))] }).ok).toBe(true);
  });

  it('accepts amounts up to MAX_MINOR_UNITS and refuses one more', () => {
    const state = ledger(account('equity:adjustments'), account('user:a'));
    const group = (key: string, amount: bigint): TransferGroup => ({
      transfers: [{ kind: 'posted', key, debit: 'equity:adjustments', credit: 'user:a', currency: 'USD', amount }],
    });
    expect(errorOf(applyGroup(state, group('over', MAX_MINOR_UNITS + 1n)))?.code).toBe(ErrorCode.ValidationFailed);
    expect(applyGroup(state, group('max', MAX_MINOR_UNITS)).ok).toBe(true);
    expect(balanceView(get(state, 'user:a')).posted).toBe(MAX_MINOR_UNITS);
  });

  it('keeps currencies apart: the same account name in another currency is another account', () => {
    const state = ledger(account('user:a', 'USD', 100n), account('user:a', 'EUR'), account('user:b', 'EUR'));
    const result = applyGroup(state, {
      transfers: [{ kind: 'posted', key: 'k', debit: 'user:a', credit: 'user:b', currency: 'EUR', amount: 1n }],
    });
    expect(errorOf(result)?.code).toBe(ErrorCode.InsufficientFunds);
    expect(get(state, 'user:a', 'USD').debitsPosted).toBe(0n);
  });

  it('throws on an account the caller did not load (a bug, not a business refusal)', () => {
    const state = ledger(account('user:a', 'USD', 100n));
    expect(() =>
      applyGroup(state, {
        transfers: [{ kind: 'posted', key: 'k', debit: 'user:a', credit: 'user:zz', currency: 'USD', amount: 1n }],
      }),
    ).toThrow('ledger state is missing account USD/user:zz');
  });
});

describe('applyGroup: counters', () => {
  const state = () => ledger(account('equity:adjustments'), account('user:a'));
  const group = (key: string, counters: TransferGroup['counters']): TransferGroup => ({
    transfers: [{ kind: 'posted', key, debit: 'equity:adjustments', credit: 'user:a', currency: 'USD', amount: 1n }],
    counters,
  });

  it('accumulates two changes of the same counter within a group against the limit', () => {
    const s = state();
    const over = applyGroup(
      s,
      group('g1', [
        { key: 'c', add: 60n, max: 100n },
        { key: 'c', add: 41n, max: 100n },
      ]),
    );
    expect(errorOf(over)).toEqual({ code: ErrorCode.LimitExceeded, message: 'this would exceed a limit', subject: 'c' });
    expect(s.counters.has('c')).toBe(false);
    expect(get(s, 'user:a').creditsPosted).toBe(0n); // the transfers are rolled back with the counter
    expect(
      applyGroup(
        s,
        group('g2', [
          { key: 'c', add: 60n, max: 100n },
          { key: 'c', add: 40n, max: 100n },
        ]),
      ).ok,
    ).toBe(true);
    expect(s.counters.get('c')).toBe(100n);
  });

  it('never refuses giving back, even above the limit, and may go below zero', () => {
    const s = state();
    s.counters.set('c', 250n); // over a limit lowered since
    expect(applyGroup(s, group('back', [{ key: 'c', add: -100n, max: 100n }])).ok).toBe(true); // still over: 150
    expect(s.counters.get('c')).toBe(150n);
    expect(applyGroup(s, group('zero', [{ key: 'c', add: 0n, max: 100n }])).ok).toBe(true);
    expect(applyGroup(s, group('back2', [{ key: 'c', add: -180n }])).ok).toBe(true);
    expect(s.counters.get('c')).toBe(-30n);
  });

  it('counts without a maximum and starts a new counter at zero', () => {
    const s = state();
    expect(applyGroup(s, group('g', [{ key: 'fresh', add: 10n ** 30n }])).ok).toBe(true);
    expect(s.counters.get('fresh')).toBe(10n ** 30n);
  });

  it('applies no counter of a group whose second counter fails', () => {
    const s = state();
    s.counters.set('month', 95n);
    const result = applyGroup(
      s,
      group('g', [
        { key: 'day', add: 10n, max: 50n },
        { key: 'month', add: 10n, max: 100n },
      ]),
    );
    expect(errorOf(result)?.subject).toBe('month');
    expect(s.counters.has('day')).toBe(false);
    expect(s.counters.get('month')).toBe(95n);
  });
});

describe('accountsTouched', () => {
  it('lists both sides of new transfers and of the pending transfers a group resolves', () => {
    const pendings = new Map([
      ['hold', { key: 'hold', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'ETH', amount: 5n, resolved: false }],
    ]);
    const group: TransferGroup = {
      transfers: [
        { kind: 'posted', key: 'k', debit: 'user:b', credit: 'user:c', currency: 'USD', amount: 1n },
        { kind: 'post', key: 'p', pendingKey: 'hold' },
        { kind: 'void', key: 'v', pendingKey: 'unknown' }, // nothing to load: the engine will say pending_not_found
      ],
    };
    expect(accountsTouched(group, pendings)).toEqual([
      ['user:b', 'USD'],
      ['user:c', 'USD'],
      ['user:a', 'ETH'],
      ['clearing:withdrawals', 'ETH'],
    ]);
  });
});

describe('requestMatchesEntry: resolutions', () => {
  const voidEntry = {
    key: 'v',
    kind: 'void' as const,
    pendingKey: 'hold',
    debit: 'user:a',
    credit: 'clearing:withdrawals',
    currency: 'USD',
    amount: 400n,
    metadata: {},
  };
  it('matches a void by its pending key only, and never across kinds', () => {
    expect(requestMatchesEntry({ kind: 'void', key: 'v', pendingKey: 'hold' }, voidEntry)).toBe(true);
    expect(requestMatchesEntry({ kind: 'void', key: 'v', pendingKey: 'other' }, voidEntry)).toBe(false);
    expect(requestMatchesEntry({ kind: 'void', key: 'w', pendingKey: 'hold' }, voidEntry)).toBe(false);
    expect(requestMatchesEntry({ kind: 'post', key: 'v', pendingKey: 'hold' }, voidEntry, 400n)).toBe(false);
  });
});

describe('accountPolicy', () => {
  it('forbids overdraft for user accounts and inventories only', () => {
    expect(accountPolicy('user:42')).toEqual({ noOverdraft: true });
    expect(accountPolicy('exchange:inventory')).toEqual({ noOverdraft: true });
    for (const name of ['equity:adjustments', 'fees:USD', 'clearing:withdrawals', 'custody:hot:ethereum', 'users:x']) {
      expect(accountPolicy(name)).toEqual({ noOverdraft: false });
    }
  });
});
