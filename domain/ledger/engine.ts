/**
 * The double-entry engine, pure. Given the accounts, pending transfers and counters a group of transfers touches,
 * it decides whether the whole group applies and what it changes. db/ledger loads that state under row locks,
 * runs this, and writes the outcome back in the same SQL transaction, so the rule lives in one place.
 *
 * Conventions (as in TigerBeetle): every account keeps four running sums; a user's balance is credits − debits;
 * a pending transfer reserves funds until it is posted (in whole or part; the rest is released) or voided.
 */
import { DomainError, ErrorCode, type FieldIssue } from '../errors.js';
import { formatAmountForPeople, MAX_MINOR_UNITS } from '../money.js';

export type Metadata = Record<string, unknown>;

export interface Balances {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface AccountState extends Balances {
  name: string;
  currency: string;
  noOverdraft: boolean;
}

/** Money moving from one account to another: at once (`posted`) or reserved until resolved (`pending`). */
interface Movement {
  key: string;
  debit: string;
  credit: string;
  currency: string;
  amount: bigint;
  metadata?: Metadata;
}

export type TransferRequest =
  | (Movement & { kind: 'posted' })
  | (Movement & { kind: 'pending' })
  | { kind: 'post'; key: string; pendingKey: string; amount?: bigint; metadata?: Metadata }
  | { kind: 'void'; key: string; pendingKey: string; metadata?: Metadata };

/** A running total checked atomically with the transfers (daily limits): `add` is refused if it takes it past `max`. */
export interface CounterChange {
  key: string;
  add: bigint;
  max?: bigint;
}

/** Transfers that succeed or fail together (an amount and its fee), with the counters they move. */
export interface TransferGroup {
  transfers: TransferRequest[];
  counters?: CounterChange[];
}

export type EntryKind = 'posted' | 'pending' | 'post' | 'void';

export interface JournalEntry {
  key: string;
  kind: EntryKind;
  pendingKey: string | null;
  debit: string;
  credit: string;
  currency: string;
  amount: bigint;
  metadata: Metadata;
}

export interface PendingState {
  key: string;
  debit: string;
  credit: string;
  currency: string;
  amount: bigint;
  resolved: boolean;
}

export interface LedgerState {
  accounts: Map<string, AccountState>;
  pendings: Map<string, PendingState>;
  counters: Map<string, bigint>;
}

export interface LedgerFailure {
  code: ErrorCode;
  message: string;
  /** The account, pending transfer or counter the failure is about. */
  subject?: string;
}

/** The field an answer of insufficient funds names: the one the payer would change (its amount, unless said). */
export const moreThanAvailable = (path = 'amount', message = 'is more than your available balance'): FieldIssue => ({
  path,
  message,
});

/**
 * The same for an amount held together with its fee (a withdrawal): the fee is said, or an amount within the balance
 * would seem refused for nothing.
 */
export function moreThanAvailableWithFee(fee: bigint, currency: { code: string; scale: number }, path = 'amount'): FieldIssue {
  if (fee === 0n) return moreThanAvailable(path);
  const shown = `${formatAmountForPeople(fee, currency.scale)} ${currency.code}`;
  return moreThanAvailable(path, `plus its fee (${shown}) is more than your available balance`);
}

/**
 * A ledger refusal as the caller's business error. A counter over its maximum is the caller's own limit, named by
 * `limit` (the daily limit of transfers, the monthly one of withdrawals); insufficient funds name `funds`, the request
 * field the payer would change.
 */
export function ledgerRefusal(error: LedgerFailure, named: { limit?: ErrorCode; funds?: FieldIssue } = {}): DomainError {
  if (error.code === ErrorCode.LimitExceeded)
    return new DomainError(named.limit ?? ErrorCode.LimitExceeded, 'this would exceed your limit');
  const issues = error.code === ErrorCode.InsufficientFunds && named.funds ? [named.funds] : [];
  return new DomainError(error.code, error.message, issues);
}

export type GroupResult = { ok: true; entries: JournalEntry[] } | { ok: false; error: LedgerFailure };

export const MAX_KEY_LENGTH = 255;

export function accountId(name: string, currency: string): string {
  return `${currency}/${name}`;
}

/**
 * User accounts hold customers' money and can never go below zero; system accounts may, except inventories (the
 * fast exchange's `exchange:inventory`): stock the house really holds, which a swap must never overdraw.
 */
export function accountPolicy(name: string): { noOverdraft: boolean } {
  return { noOverdraft: name.startsWith('user:') || name.endsWith(':inventory') };
}

export function userAccountName(userId: string): string {
  return `user:${userId}`;
}

/** What a client sees: posted balance, funds held by pending debits, and what it can spend now. */
export function balanceView(account: Balances): { posted: bigint; pending: bigint; available: bigint } {
  const posted = account.creditsPosted - account.debitsPosted;
  return { posted, pending: account.debitsPending, available: posted - account.debitsPending };
}

function fail(code: ErrorCode, message: string, subject?: string): { ok: false; error: LedgerFailure } {
  return { ok: false, error: { code, message, subject } };
}

/** The accounts (name, currency) a group needs loaded, given the pending transfers it resolves. */
export function accountsTouched(group: TransferGroup, pendings: Map<string, PendingState>): Array<[string, string]> {
  const touched: Array<[string, string]> = [];
  for (const t of group.transfers) {
    if (t.kind === 'posted' || t.kind === 'pending') {
      touched.push([t.debit, t.currency], [t.credit, t.currency]);
    } else {
      const pending = pendings.get(t.pendingKey);
      if (pending) touched.push([pending.debit, pending.currency], [pending.credit, pending.currency]);
    }
  }
  return touched;
}

/**
 * Applies a group to `state` if every transfer and counter in it is allowed; otherwise leaves `state` untouched
 * and says why. Transfers apply in order, so a later one sees the balances an earlier one left.
 */
export function applyGroup(state: LedgerState, group: TransferGroup): GroupResult {
  if (group.transfers.length === 0) return fail(ErrorCode.ValidationFailed, 'a group needs at least one transfer');
  const accounts = new Map<string, AccountState>();
  const pendings = new Map<string, PendingState>();
  const entries: JournalEntry[] = [];
  const keys = new Set<string>();
  for (const t of group.transfers) {
    if (t.key.length === 0 || t.key.length > MAX_KEY_LENGTH) {
      return fail(ErrorCode.ValidationFailed, `a transfer key must have 1 to ${MAX_KEY_LENGTH} characters`, t.key);
    }
    if (keys.has(t.key)) return fail(ErrorCode.ValidationFailed, 'a group repeats a transfer key', t.key);
    keys.add(t.key);
    const metadata = t.metadata ?? {};

    if (t.kind === 'posted' || t.kind === 'pending') {
      if (t.amount <= 0n || t.amount > MAX_MINOR_UNITS) {
        return fail(ErrorCode.ValidationFailed, 'a transfer amount must be positive and within range', t.key);
      }
      if (t.debit === t.credit) return fail(ErrorCode.SameAccount, 'debit and credit accounts are the same', t.debit);
      const debit = draftAccount(state, accounts, t.debit, t.currency);
      const credit = draftAccount(state, accounts, t.credit, t.currency);
      if (t.kind === 'posted') {
        debit.debitsPosted += t.amount;
        credit.creditsPosted += t.amount;
      } else {
        debit.debitsPending += t.amount;
        credit.creditsPending += t.amount;
        pendings.set(t.key, {
          key: t.key,
          debit: t.debit,
          credit: t.credit,
          currency: t.currency,
          amount: t.amount,
          resolved: false,
        });
      }
      const overdrawn = overdraft(debit);
      if (overdrawn) return overdrawn;
      entries.push({
        key: t.key,
        kind: t.kind,
        pendingKey: null,
        debit: t.debit,
        credit: t.credit,
        currency: t.currency,
        amount: t.amount,
        metadata,
      });
      continue;
    }

    const pending = pendings.get(t.pendingKey) ?? state.pendings.get(t.pendingKey);
    if (!pending) return fail(ErrorCode.PendingNotFound, 'no pending transfer has this key', t.pendingKey);
    if (pending.resolved) {
      return fail(ErrorCode.PendingAlreadyResolved, 'the pending transfer was already posted or voided', t.pendingKey);
    }
    const amount = t.kind === 'post' ? (t.amount ?? pending.amount) : pending.amount;
    if (amount <= 0n || amount > pending.amount) {
      return fail(ErrorCode.AmountExceedsPending, 'a post must be positive and at most the pending amount', t.pendingKey);
    }
    const debit = draftAccount(state, accounts, pending.debit, pending.currency);
    const credit = draftAccount(state, accounts, pending.credit, pending.currency);
    debit.debitsPending -= pending.amount;
    credit.creditsPending -= pending.amount;
    if (t.kind === 'post') {
      debit.debitsPosted += amount;
      credit.creditsPosted += amount;
    }
    pendings.set(pending.key, { ...pending, resolved: true });
    const overdrawn = overdraft(debit);
    if (overdrawn) return overdrawn;
    entries.push({
      key: t.key,
      kind: t.kind,
      pendingKey: pending.key,
      debit: pending.debit,
      credit: pending.credit,
      currency: pending.currency,
      amount,
      metadata,
    });
  }

  const counters = new Map<string, bigint>();
  for (const change of group.counters ?? []) {
    const value = (counters.get(change.key) ?? state.counters.get(change.key) ?? 0n) + change.add;
    if (change.add > 0n && change.max !== undefined && value > change.max) {
      return fail(ErrorCode.LimitExceeded, 'this would exceed a limit', change.key);
    }
    counters.set(change.key, value);
  }

  for (const [id, draft] of accounts) state.accounts.set(id, draft);
  for (const [key, pending] of pendings) state.pendings.set(key, pending);
  for (const [key, value] of counters) state.counters.set(key, value);
  return { ok: true, entries };
}

/**
 * The group's own copy of an account, made on first use from `state`'s. A module function rather than a closure in
 * applyGroup: tsx (keepNames) gives every named closure an Object.defineProperty each time it is made.
 */
function draftAccount(state: LedgerState, drafts: Map<string, AccountState>, name: string, currency: string): AccountState {
  const id = accountId(name, currency);
  let draft = drafts.get(id);
  if (!draft) {
    const current = state.accounts.get(id);
    if (!current) throw new Error(`ledger state is missing account ${id}`);
    draft = { ...current };
    drafts.set(id, draft);
  }
  return draft;
}

function overdraft(account: AccountState): { ok: false; error: LedgerFailure } | null {
  if (account.noOverdraft && account.debitsPosted + account.debitsPending > account.creditsPosted) {
    return fail(ErrorCode.InsufficientFunds, 'insufficient available balance', account.name);
  }
  return null;
}

/**
 * Whether a repeated request asks for exactly what an existing entry did (then the first result is returned);
 * otherwise reusing the key is a conflict. Metadata is not compared: it may carry timestamps.
 */
export function requestMatchesEntry(request: TransferRequest, entry: JournalEntry, pendingAmount?: bigint): boolean {
  if (request.kind !== entry.kind || request.key !== entry.key) return false;
  if (request.kind === 'posted' || request.kind === 'pending') {
    return (
      request.debit === entry.debit &&
      request.credit === entry.credit &&
      request.currency === entry.currency &&
      request.amount === entry.amount
    );
  }
  if (request.pendingKey !== entry.pendingKey) return false;
  if (request.kind === 'post') return (request.amount ?? pendingAmount) === entry.amount;
  return true;
}
