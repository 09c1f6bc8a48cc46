/**
 * Commits groups of transfers in one SQL transaction: loads and locks what they touch, lets domain/ledger decide,
 * then appends journal entries and writes the new running sums. The batching writer calls this; so can code that
 * needs a ledger write to be atomic with rows of its own.
 */
import {
  accountId,
  accountPolicy,
  accountsTouched,
  applyGroup,
  requestMatchesEntry,
  type AccountState,
  type EntryKind,
  type JournalEntry,
  type LedgerFailure,
  type LedgerState,
  type PendingState,
  type TransferGroup,
} from '../../domain/ledger/engine.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Tx } from '../../platform/db/client.js';
import { numberArray } from '../../platform/db/number-array.js';
import { extended } from '../../domain/objects.js';

export interface TransferRecord extends JournalEntry {
  id: string;
  createdAt: Date;
}

export type GroupOutcome = { ok: true; replayed: boolean; transfers: TransferRecord[] } | { ok: false; error: LedgerFailure };

interface StoredEntry extends TransferRecord {
  pendingAmount: bigint | null;
}

interface LockedAccount extends AccountState {
  id: string;
}

/**
 * Statements that do not need each other's answers go out together (postgres.js pipelines what is issued at once on a
 * transaction's connection, and the server runs it in order): the batch costs two round trips plus begin and commit
 * (the writer sends BEGIN with the first and COMMIT with the second: writer.ts), not one per statement, and the locks
 * are held that much shorter. A failing statement aborts the transaction, so the ones behind it fail too and its
 * error is the first to arrive.
 */
export async function commitGroups(tx: Tx, groups: TransferGroup[]): Promise<GroupOutcome[]> {
  return (await stageGroups(tx, groups)).written;
}

/** Whether a group applies (or replays), known before its writes are: what a caller's own statements depend on. */
export type GroupDecision = { ok: true } | { ok: false; error: LedgerFailure };

/**
 * commitGroups in two steps: one round trip reads and locks everything the groups may touch (their keys, the pending
 * transfers they name and those transfers' accounts, the accounts and counters they name: a superset of what the
 * groups that apply need), then each group is decided and the writes are sent without waiting for them. `decided`
 * lets the caller send statements that depend on it in the same round trip as the writes; `written` resolves to
 * the outcomes once they are written.
 */
export async function stageGroups(
  tx: Tx,
  groups: TransferGroup[],
  read?: GroupReads,
): Promise<{ decided: GroupDecision[]; written: Promise<GroupOutcome[]> }> {
  const staged = await stage(tx, groups, true, read);
  const written = staged.written.then((records) => staged.outcomes(records));
  // settled by the caller's own await; until then a failed write must not count as unhandled
  written.catch(() => {});
  return { decided: staged.decided, written };
}

/**
 * stageGroups for a caller that needs only the decisions (the exchange's batches: a planned move refused is a bug, and
 * the transfers' ids and times are never read; the bet placer's, whose answers are the bets): the transfers are
 * inserted without RETURNING, so no row comes back to be parsed nor turned into a record, and `written` resolves once
 * the writes have.
 */
export async function stageDecisions(
  tx: Tx,
  groups: TransferGroup[],
  read?: GroupReads,
): Promise<{ decided: GroupDecision[]; written: Promise<void> }> {
  const staged = await stage(tx, groups, false, read);
  const written = staged.written.then(() => undefined);
  written.catch(() => {});
  return { decided: staged.decided, written };
}

/** Commits groups whose outcomes the caller needs only as decisions (stageDecisions, awaited). */
export async function commitDecisions(tx: Tx, groups: TransferGroup[]): Promise<GroupDecision[]> {
  const { decided, written } = await stageDecisions(tx, groups);
  await written;
  return decided;
}

/** What a batch's first round trip read and locked (`readGroups`): what its groups are decided on. */
export interface GroupReads {
  stored: Map<string, StoredEntry>;
  pendings: Map<string, PendingState>;
  accounts: Map<string, LockedAccount>;
  counters: Map<string, bigint>;
}

const NO_ENTRIES = new Map<string, StoredEntry>();

/**
 * The first round trip of a batch: reads and locks everything its groups may touch. `began`, when the transaction's
 * BEGIN travels with these statements (platform/db/begin-with-reads.ts): a batch that must first create an account or
 * a counter row sends nothing before BEGIN has answered, so no write can run outside a transaction whose BEGIN failed;
 * the usual batch (every account and counter row found before) only reads and locks, and goes out with BEGIN.
 * `newKeys`: the caller made the groups' keys from ids no transfer was ever keyed by (the bet placer's, drawn from a
 * sequence), so there is nothing to replay and they are not looked up (an index probe each, and a statement a batch);
 * the journal's unique index still refuses a key written twice.
 */
export async function readGroups(
  tx: Tx,
  groups: TransferGroup[],
  { began, newKeys = false }: { began?: Promise<unknown>; newKeys?: boolean } = {},
): Promise<GroupReads> {
  const transfers = groups.flatMap((g) => g.transfers);
  const named = namedAccounts(groups);
  const pendingKeys = [...new Set(transfers.flatMap((t) => ('pendingKey' in t ? [t.pendingKey] : [])))];
  const counterKeys = [...new Set(groups.flatMap((g) => (g.counters ?? []).map((c) => c.key)))];
  const create = unfound(named);
  const createCounters = counterKeys.filter((key) => !existingCounters.has(key));
  if (began && (create.length > 0 || createCounters.length > 0)) await began;
  // pendings, then accounts, then counters: every batch takes its locks in this order. The keys are read last: the
  // largest statement, and postgres.js writes what it has buffered at once when a statement brings it to 1 KB, smaller
  // ones on its next setImmediate (a turn later, behind the event loop's other I/O): issued last, the keys of a batch
  // of some size take the locks' statements and BEGIN with them, and the round trip starts whole
  const [pendings, accounts, counters, stored] = await Promise.all([
    lockPendings(tx, pendingKeys),
    lockAccounts(tx, named, pendingKeys, create),
    lockCounters(tx, counterKeys, createCounters),
    newKeys
      ? NO_ENTRIES
      : loadEntries(
          tx,
          transfers.map((t) => t.key),
        ),
  ]);
  return { stored, pendings, accounts, counters };
}

/**
 * Reads and locks (unless given what `readGroups` read), decides, and sends the writes; `records`: whether the
 * inserted transfers' ids and times come back (`written` resolves to them, by key, and `outcomes` turns them into the
 * groups' outcomes).
 */
async function stage(
  tx: Tx,
  groups: TransferGroup[],
  records: boolean,
  read?: GroupReads,
): Promise<{
  decided: GroupDecision[];
  written: Promise<Map<string, TransferRecord>>;
  outcomes: (records: Map<string, TransferRecord>) => GroupOutcome[];
}> {
  const outcomes: Array<GroupOutcome | undefined> = new Array(groups.length);
  const { stored, pendings, accounts, counters } = read ?? (await readGroups(tx, groups));
  // lockAccounts creates every named account whose currency exists, and a transfer names its accounts in its own
  // currency: the currencies known are those of the accounts locked, with no query of their own
  const knownCurrencies = new Set([...accounts.values()].map((a) => a.currency));

  const fresh: number[] = [];
  groups.forEach((group, i) => {
    const found = group.transfers.map((t) => stored.get(t.key));
    if (found.every((f) => f === undefined)) {
      const unknown = group.transfers.find((t) => 'currency' in t && !knownCurrencies.has(t.currency));
      if (unknown && 'currency' in unknown) {
        outcomes[i] = {
          ok: false,
          error: { code: ErrorCode.UnknownCurrency, message: 'unknown currency', subject: unknown.currency },
        };
      } else {
        fresh.push(i);
      }
    } else {
      outcomes[i] = replayOrConflict(group, found);
    }
  });

  const before = new Map([...accounts].map(([id, a]) => [id, { ...a }]));
  const state: LedgerState = { accounts, pendings, counters: new Map(counters) };
  const created = new Map<string, JournalEntry>();
  const entryGroups: Array<{ group: number; entries: JournalEntry[] }> = [];
  const replayOfBatch: Array<[number, TransferGroup]> = [];
  const decided: GroupDecision[] = new Array(groups.length);

  for (const i of fresh) {
    const group = groups[i]!;
    // the same keys twice in one batch: the later request is a replay of the earlier one
    if (group.transfers.some((t) => created.has(t.key))) {
      replayOfBatch.push([i, group]);
      const entries = group.transfers.map((t) => withPendingAmount(created.get(t.key), pendings));
      decided[i] = matchesEntries(group, entries) ? { ok: true } : idempotencyConflict();
      continue;
    }
    const result = applyGroup(state, group);
    if (!result.ok) {
      outcomes[i] = result;
      continue;
    }
    for (const entry of result.entries) created.set(entry.key, entry);
    entryGroups.push({ group: i, entries: result.entries });
  }

  const writes = Promise.all([
    insertEntries(
      tx,
      entryGroups.flatMap((g) => g.entries),
      state.accounts,
      records,
    ),
    writeAccountSums(
      tx,
      [...state.accounts].filter(([id, a]) => changed(before.get(id)!, a)).map(([, a]) => a as LockedAccount),
    ),
    writeCounters(
      tx,
      [...state.counters].filter(([key, value]) => counters.get(key) !== value),
    ),
  ]);
  const written = writes.then(([records]) => records);
  // settled by the caller's own await; until then a failed write must not count as unhandled
  written.catch(() => {});
  const outcomesOf = (records: Map<string, TransferRecord>) => {
    for (const { group, entries } of entryGroups) {
      outcomes[group] = { ok: true, replayed: false, transfers: entries.map((e) => records.get(e.key)!) };
    }
    for (const [i, group] of replayOfBatch) {
      outcomes[i] = replayOrConflict(
        group,
        group.transfers.map((t) => withPendingAmount(records.get(t.key), pendings)),
      );
    }
    return outcomes.map((o) => o!);
  };
  groups.forEach((_, i) => {
    const outcome = outcomes[i];
    decided[i] ??= outcome && !outcome.ok ? outcome : { ok: true };
  });
  return { decided, written, outcomes: outcomesOf };
}

function withPendingAmount<T extends JournalEntry>(
  entry: T | undefined,
  pendings: Map<string, PendingState>,
): (Omit<T, 'pendingAmount'> & { pendingAmount: bigint | null }) | undefined {
  return entry && extended(entry, { pendingAmount: entry.pendingKey ? (pendings.get(entry.pendingKey)?.amount ?? null) : null });
}

function replayOrConflict(group: TransferGroup, found: Array<StoredEntry | undefined>): GroupOutcome {
  if (!matchesEntries(group, found)) return idempotencyConflict();
  return { ok: true, replayed: true, transfers: found.map((f) => stripPendingAmount(f!)) };
}

function matchesEntries(group: TransferGroup, found: Array<(JournalEntry & { pendingAmount: bigint | null }) | undefined>) {
  return group.transfers.every((t, i) => {
    const entry = found[i];
    return entry !== undefined && requestMatchesEntry(t, entry, entry.pendingAmount ?? undefined);
  });
}

const idempotencyConflict = (): GroupOutcome => ({
  ok: false,
  error: { code: ErrorCode.IdempotencyConflict, message: 'this idempotency key was used for a different request' },
});

function stripPendingAmount({ pendingAmount: _, ...record }: StoredEntry): TransferRecord {
  return record;
}

function changed(a: AccountState, b: AccountState): boolean {
  return (
    a.debitsPosted !== b.debitsPosted ||
    a.creditsPosted !== b.creditsPosted ||
    a.debitsPending !== b.debitsPending ||
    a.creditsPending !== b.creditsPending
  );
}

async function loadEntries(tx: Tx, keys: string[]): Promise<Map<string, StoredEntry>> {
  // one index lookup per key: `key = any(...)` turns into a scan of the whole journal once the planner has statistics,
  // and that cost grows with history; a plain join to unnest was hashed against the whole journal while its statistics
  // were those of a smaller one (a young database: the bench's), so each key is looked up on its own (lateral, limit 1:
  // keys are unique)
  const rows = await tx`
    select t.id, t.key, t.kind, t.pending_key, da.name as debit, ca.name as credit, t.currency, t.amount,
           t.metadata, t.created_at,
           (select p.amount from ledger_transfers p where p.key = t.pending_key) as pending_amount
    from unnest(${tx.array(keys)}::text[]) as k(key)
    cross join lateral (select * from ledger_transfers t where t.key = k.key limit 1) t
    join ledger_accounts da on da.id = t.debit_account_id
    join ledger_accounts ca on ca.id = t.credit_account_id`;
  return new Map(rows.map((r) => [r.key as string, toStoredEntry(r)]));
}

export function toTransferRecord(r: Record<string, unknown>): TransferRecord {
  return {
    id: String(r.id),
    key: r.key as string,
    kind: r.kind as EntryKind,
    pendingKey: (r.pendingKey as string | null) ?? null,
    debit: r.debit as string,
    credit: r.credit as string,
    currency: r.currency as string,
    amount: r.amount as bigint,
    metadata: (r.metadata as Record<string, unknown>) ?? {},
    createdAt: r.createdAt as Date,
  };
}

function toStoredEntry(r: Record<string, unknown>): StoredEntry {
  return extended(toTransferRecord(r), { pendingAmount: (r.pendingAmount as bigint | null) ?? null });
}

async function lockPendings(tx: Tx, keys: string[]): Promise<Map<string, PendingState>> {
  if (keys.length === 0) return new Map();
  const rows = await tx`
    select t.key, da.name as debit, ca.name as credit, t.currency, t.amount,
           exists (select 1 from ledger_transfers r where r.pending_key = t.key) as resolved
    from unnest(${tx.array(keys)}::text[]) as k(key)
    join ledger_transfers t on t.key = k.key
    join ledger_accounts da on da.id = t.debit_account_id
    join ledger_accounts ca on ca.id = t.credit_account_id
    where t.kind = 'pending'
    order by t.id
    for update of t`;
  return new Map(
    rows.map((r) => [
      r.key as string,
      {
        key: r.key as string,
        debit: r.debit as string,
        credit: r.credit as string,
        currency: r.currency as string,
        amount: r.amount as bigint,
        resolved: r.resolved as boolean,
      },
    ]),
  );
}

/**
 * The accounts this process has found in the ledger. Accounts are never deleted, so a batch naming only these sends no
 * insert to create them (one per batch, whose every row was a conflict: the exchange names the same escrow, fees and
 * traders' accounts batch after batch). One found missing after all (a test's fresh database, or one created by a
 * transaction that rolled back) is created, and the batch locks again.
 */
const existingAccounts = new Set<string>();

/** An account a batch names: its id (`accountId`), name and currency. */
type NamedAccount = [id: string, name: string, currency: string];

const NO_PENDINGS = new Map<string, PendingState>();

/**
 * The accounts the groups name, each once, in id order: the order every batch inserts and locks them in, so concurrent
 * batches cannot deadlock. Those of the pending transfers they resolve are found in SQL by the same lock.
 */
function namedAccounts(groups: TransferGroup[]): NamedAccount[] {
  const byId = new Map<string, NamedAccount>();
  for (const group of groups) {
    for (const [name, currency] of accountsTouched(group, NO_PENDINGS)) {
      const id = accountId(name, currency);
      if (!byId.has(id)) byId.set(id, [id, name, currency]);
    }
  }
  return [...byId.values()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The named accounts this process has not found yet: what a batch naming them inserts first. */
const unfound = (named: NamedAccount[]) => named.filter(([id]) => !existingAccounts.has(id));

/**
 * Creates the named accounts that are missing (in a known currency: a group in another is refused, not applied), then
 * locks them and the accounts of the pending transfers named, all in id order (`namedAccounts`'s, and the rows' in
 * SQL) so concurrent batches cannot deadlock. `create` is what this call inserts: the named accounts this process has
 * not found yet.
 */
async function lockAccounts(
  tx: Tx,
  named: NamedAccount[],
  pendingKeys: string[],
  create: NamedAccount[],
): Promise<Map<string, LockedAccount>> {
  if (named.length === 0 && pendingKeys.length === 0) return new Map();
  const [, rows] = await Promise.all([createAccounts(tx, create), selectForUpdate(tx, named, pendingKeys)]);
  const locked = new Map(
    rows.map((r) => [
      accountId(r.name as string, r.currency as string),
      {
        id: String(r.id),
        name: r.name as string,
        currency: r.currency as string,
        noOverdraft: r.noOverdraft as boolean,
        debitsPosted: r.debitsPosted as bigint,
        creditsPosted: r.creditsPosted as bigint,
        debitsPending: r.debitsPending as bigint,
        creditsPending: r.creditsPending as bigint,
      },
    ]),
  );
  for (const id of locked.keys()) existingAccounts.add(id);
  // judged by what this call skipped creating, not by the memory now: a concurrent batch may have forgotten the same
  // account meanwhile, and this one must still create it. One that was inserted and is still missing is in an unknown
  // currency, so the second call ends the recursion.
  const inserted = new Set(create.map(([id]) => id));
  const vanished = named.filter(([id]) => !inserted.has(id) && !locked.has(id));
  if (vanished.length === 0) return locked;
  for (const [id] of vanished) existingAccounts.delete(id);
  return lockAccounts(tx, named, pendingKeys, vanished);
}

async function createAccounts(tx: Tx, accounts: NamedAccount[]): Promise<void> {
  if (accounts.length === 0) return;
  await tx`
    insert into ledger_accounts (name, currency, no_overdraft)
    select w.* from unnest(
      ${tx.array(accounts.map(([, name]) => name))}::text[],
      ${tx.array(accounts.map(([, , currency]) => currency))}::text[],
      ${tx.array(accounts.map(([, name]) => accountPolicy(name).noOverdraft))}::boolean[])
      as w(name, currency, no_overdraft)
    join currencies c on c.code = w.currency
    on conflict (name, currency) do nothing`;
}

function selectForUpdate(tx: Tx, named: NamedAccount[], pendingKeys: string[]) {
  return tx`
    select a.id, a.name, a.currency, a.no_overdraft, a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending
    from (
      select n.id from unnest(${tx.array(named.map(([, name]) => name))}::text[], ${tx.array(named.map(([, , currency]) => currency))}::text[])
        as w(name, currency)
      join ledger_accounts n on n.name = w.name and n.currency = w.currency
      ${
        // only when the batch resolves pending transfers: the lookup, even of no keys, cost a third of the module's
        // throughput with spread accounts (bench/ledger.ts, 2,480 against 3,414 transfers/s at concurrency 50)
        pendingKeys.length === 0
          ? tx``
          : tx`union
      select unnest(array[t.debit_account_id, t.credit_account_id])
      from unnest(${tx.array(pendingKeys)}::text[]) as k(key) join ledger_transfers t on t.key = k.key
      where t.kind = 'pending'`
      }) as touched
    join ledger_accounts a on a.id = touched.id
    order by a.id
    for update of a`;
}

/**
 * The counter rows this process has found in the ledger. Every transfer, swap and withdrawal counts its user's day
 * (limit or not), so nearly every batch names counters: one naming only these sends no insert and need not wait for
 * BEGIN, as for accounts. Rows are never deleted, but their keys name a day, so the set is forgotten whole when full;
 * one found missing after all (a test's fresh database, a rolled back creation) is created and the batch locks again.
 */
const existingCounters = new Set<string>();
const MAX_REMEMBERED_COUNTERS = 100_000;

/** Creates the counter rows in `create` (those this process has not found), then locks every one named, in key order. */
async function lockCounters(tx: Tx, keys: string[], create: string[]): Promise<Map<string, bigint>> {
  if (keys.length === 0) return new Map();
  const [, rows] = await Promise.all([
    create.length === 0
      ? undefined
      : tx`
    insert into ledger_counters (key) select * from unnest(${tx.array([...create].sort())}::text[]) order by 1
    on conflict (key) do nothing`,
    tx`
    select c.key, c.value from unnest(${tx.array([...keys].sort())}::text[]) as k(key) join ledger_counters c on c.key = k.key
    order by c.key for update of c`,
  ]);
  const locked = new Map(rows.map((r) => [r.key as string, r.value as bigint]));
  if (existingCounters.size + locked.size > MAX_REMEMBERED_COUNTERS) existingCounters.clear();
  for (const key of locked.keys()) existingCounters.add(key);
  const inserted = new Set(create);
  const vanished = keys.filter((key) => !inserted.has(key) && !locked.has(key));
  if (vanished.length === 0) return locked;
  for (const key of vanished) existingCounters.delete(key);
  return lockCounters(tx, keys, vanished);
}

/**
 * A key that a concurrent transaction wrote first fails the insert (a unique violation, which retryOnRace runs again):
 * an error of the statement, not a check of its answer, so a caller may send COMMIT before the answer arrives.
 */
async function insertEntries(
  tx: Tx,
  entries: JournalEntry[],
  accounts: Map<string, AccountState>,
  records: boolean,
): Promise<Map<string, TransferRecord>> {
  if (entries.length === 0) return new Map();
  const idOf = (name: string, currency: string) => (accounts.get(accountId(name, currency)) as LockedAccount).id;
  const rows = await tx`
    insert into ledger_transfers (key, kind, pending_key, debit_account_id, credit_account_id, currency, amount, metadata)
    select u.key, u.kind, u.pending_key, u.debit, u.credit, u.currency, u.amount,
      -- the metadata as one JSON array, each row taking its element: a jsonb[] of JSON strings made the driver escape
      -- every quote of every one (its text-array serializer)
      ${tx.json(entries.map((e) => e.metadata) as never)}::jsonb -> (u.n::int - 1)
    from unnest(
      ${tx.array(entries.map((e) => e.key))}::text[],
      ${tx.array(entries.map((e) => e.kind))}::text[],
      ${tx.array(entries.map((e) => e.pendingKey))}::text[],
      ${tx.array(entries.map((e) => idOf(e.debit, e.currency)))}::bigint[],
      ${tx.array(entries.map((e) => idOf(e.credit, e.currency)))}::bigint[],
      ${tx.array(entries.map((e) => e.currency))}::text[],
      ${numberArray(entries.map((e) => e.amount))}::numeric[])
      with ordinality as u(key, kind, pending_key, debit, credit, currency, amount, n)
    ${records ? tx`returning id, key, created_at` : tx``}`;
  if (!records) return new Map();
  const written = new Map(rows.map((r) => [r.key as string, r]));
  return new Map(entries.map((e) => [e.key, recordOf(e, written.get(e.key)!)]));
}

/** A written entry with its id and time: one literal, so that every record shares a hidden class (domain/objects.ts). */
function recordOf(e: JournalEntry, row: Record<string, unknown>): TransferRecord {
  return {
    id: String(row.id),
    key: e.key,
    kind: e.kind,
    pendingKey: e.pendingKey,
    debit: e.debit,
    credit: e.credit,
    currency: e.currency,
    amount: e.amount,
    metadata: e.metadata,
    createdAt: row.createdAt as Date,
  };
}

async function writeAccountSums(tx: Tx, accounts: LockedAccount[]): Promise<void> {
  if (accounts.length === 0) return;
  await tx`
    update ledger_accounts a
    set debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dpe, credits_pending = v.cpe
    from unnest(
      ${tx.array(accounts.map((a) => a.id))}::bigint[],
      ${numberArray(accounts.map((a) => a.debitsPosted))}::numeric[],
      ${numberArray(accounts.map((a) => a.creditsPosted))}::numeric[],
      ${numberArray(accounts.map((a) => a.debitsPending))}::numeric[],
      ${numberArray(accounts.map((a) => a.creditsPending))}::numeric[]) as v(id, dp, cp, dpe, cpe)
    where a.id = v.id`;
}

async function writeCounters(tx: Tx, counters: Array<[string, bigint]>): Promise<void> {
  if (counters.length === 0) return;
  await tx`
    update ledger_counters c set value = v.value, updated_at = now()
    from unnest(${tx.array(counters.map(([k]) => k))}::text[], ${tx.array(counters.map(([, v]) => v.toString()))}::numeric[])
      as v(key, value)
    where c.key = v.key`;
}
