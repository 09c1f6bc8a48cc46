/** An in-memory ledger state for running the pure engine over the groups the domain builds. */
import { accountId, accountPolicy, type AccountState, type LedgerState } from '../../../domain/ledger/engine.js';

export function account(name: string, currency = 'USD', creditsPosted = 0n): AccountState {
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

export function ledgerOf(...accounts: AccountState[]): LedgerState {
  return {
    accounts: new Map(accounts.map((a) => [accountId(a.name, a.currency), a])),
    pendings: new Map(),
    counters: new Map(),
  };
}

/** The account's four running sums (and its identity), as stored. */
export function accountIn(state: LedgerState, name: string, currency = 'USD'): AccountState {
  const found = state.accounts.get(accountId(name, currency));
  if (!found) throw new Error(`no account ${currency}/${name} in the test ledger`);
  return found;
}

/** A deep copy, to check a refused group left the state exactly as it was. */
export function snapshot(state: LedgerState): LedgerState {
  return {
    accounts: new Map([...state.accounts].map(([id, a]) => [id, { ...a }])),
    pendings: new Map([...state.pendings].map(([key, p]) => [key, { ...p }])),
    counters: new Map(state.counters),
  };
}
