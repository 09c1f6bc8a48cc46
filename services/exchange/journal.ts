/** The market's durable state in Postgres: its journal of commands, its snapshots and how far settlement has gone. */
import { setTimeout as sleep } from 'node:timers/promises';
import { MarketState, type JournalCommand, type MarketSnapshot } from '../../domain/exchange/market-state.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import { ORDER_ESCROW } from '../../domain/exchange/settlement.js';
import type { Db, Sql, Tx } from '../../platform/db/client.js';

export interface JournalRow {
  seq: number;
  command: JournalCommand;
  /**
   * When it was journaled (its batch's created_at: the journal transaction's start), the time of the trades it made,
   * however late they settle; null for a batch without orders, which makes none.
   */
  at: Date | null;
}

/** Journals a batch's commands (numbered one after another) as one row. */
export async function appendJournal(tx: Tx, pair: string, rows: JournalRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx`
    insert into exchange_journal (pair, first_seq, last_seq, commands)
    values (${pair}, ${rows[0]!.seq}, ${rows.at(-1)!.seq}, ${tx.json(rows.map((r) => r.command) as never)})`;
}

/** The journal's commands after `afterSeq`, in pages of `pageSize` commands, in order. */
export async function* journalAfter(sql: Sql, pair: string, afterSeq: number, pageSize = 5_000): AsyncGenerator<JournalRow> {
  for (let from = afterSeq; ;) {
    const rows = await sql`
      select j.first_seq + c.n - 1 as seq, c.command, j.created_at
      from exchange_journal j cross join lateral jsonb_array_elements(j.commands) with ordinality as c(command, n)
      where j.pair = ${pair} and j.last_seq > ${from} and j.first_seq + c.n - 1 > ${from}
      order by j.last_seq, c.n limit ${pageSize}`;
    for (const r of rows) yield { seq: Number(r.seq), command: r.command as JournalCommand, at: r.createdAt as Date };
    if (rows.length < pageSize) return;
    from = Number(rows[rows.length - 1]!.seq);
  }
}

export async function latestSnapshot(db: Db, pair: string): Promise<{ state: MarketSnapshot; hash: string } | undefined> {
  const [row] = await db`select state, state_hash from exchange_snapshots where pair = ${pair} order by seq desc limit 1`;
  return row && { state: row.state as MarketSnapshot, hash: row.stateHash as string };
}

export async function saveSnapshot(tx: Tx, pair: string, snapshot: MarketSnapshot, hash: string): Promise<void> {
  await tx`
    insert into exchange_snapshots (pair, seq, state, state_hash)
    values (${pair}, ${snapshot.seq}, ${tx.json(snapshot as never)}, ${hash}) on conflict do nothing`;
}

export async function settledSeq(db: Db, pair: string): Promise<number> {
  const [row] = await db`
    insert into exchange_markets (pair) values (${pair}) on conflict (pair) do update set pair = excluded.pair
    returning settled_seq`;
  return Number(row!.settledSeq);
}

/**
 * The read barrier for markets other processes run: waits until each has settled every command journaled when it was
 * called (any order already answered among them). An unsettled market whose engine is down waits for its standby.
 */
export async function settledElsewhere(db: Db, pairs: string[], timeoutMs = 5_000): Promise<boolean> {
  const rows = await db`
    select m.pair, m.settled_seq,
      (select j.last_seq from exchange_journal j where j.pair = m.pair order by j.last_seq desc limit 1) as journaled
    from exchange_markets m where m.pair = any(${pairs})`;
  let behind = new Map(
    rows.filter((r) => Number(r.journaled) > Number(r.settledSeq)).map((r) => [r.pair as string, Number(r.journaled)]),
  );
  const deadline = Date.now() + timeoutMs;
  while (behind.size > 0) {
    if (Date.now() > deadline) return false;
    await sleep(5);
    const settled = await db`select pair, settled_seq from exchange_markets where pair = any(${[...behind.keys()]})`;
    for (const r of settled) if (Number(r.settledSeq) >= behind.get(r.pair as string)!) behind.delete(r.pair as string);
  }
  return true;
}

/**
 * How many pairs have journal batches begun before `at` that settlement has not stored yet: their trades carry the
 * batch's start, so a report of the time before `at` must wait for them.
 */
export async function pairsUnsettledBefore(db: Db, at: string): Promise<number> {
  const [row] = await db`
    select count(*)::int as pairs from pairs p
    left join exchange_markets m on m.pair = p.code
    cross join lateral (
      select 1 from exchange_journal j
      where j.pair = p.code and j.last_seq > coalesce(m.settled_seq, 0) and j.created_at < ${at}::timestamptz limit 1) j`;
  return row!.pairs as number;
}

export async function markSettled(tx: Tx, pair: string, seq: number): Promise<void> {
  await tx`update exchange_markets set settled_seq = greatest(settled_seq, ${seq}), updated_at = now() where pair = ${pair}`;
}

/**
 * The latest checkpoint at or before `seq`: a snapshot the worker replayed from the journal alone (each checkpoint
 * from the one before it, never from a snapshot the engine wrote), so it vouches for the journal, not for the engine.
 */
export async function latestCheckpoint(db: Db, pair: string, atOrBefore = Number.MAX_SAFE_INTEGER) {
  const [row] = await db`
    select state from exchange_snapshots where pair = ${pair} and source = 'checkpoint' and seq <= ${atOrBefore}
    order by seq desc limit 1`;
  return row ? (row.state as MarketSnapshot) : undefined;
}

/**
 * The market its journal describes up to `untilSeq`, replayed from the latest checkpoint before it (not from the
 * journal's start, which grows without end): the audit compares its hash with the engine's.
 */
export async function replayJournal(sql: Sql, pair: Pair, untilSeq: number): Promise<MarketState> {
  const state = new MarketState(pair, await latestCheckpoint(sql, pair.code, untilSeq));
  for await (const row of journalAfter(sql, pair.code, state.seq)) {
    if (row.seq > untilSeq) break;
    state.apply(row.seq, row.command);
  }
  return state;
}

/**
 * Per currency, what open orders and pending trigger orders still hold (their rows) against what the order escrow
 * holds pending (the ledger), read in one statement, so in one snapshot (or in the caller's, inside a transaction):
 * every transaction that changes one changes the other, so they are equal unless money leaked. The open orders are
 * found through `open_orders` (migration 983) and still filtered by their status: an open order missing from that
 * list shows here as a mismatch, never hides one.
 */
export async function heldFunds(db: Db): Promise<Array<{ currency: string; ordersHeld: bigint; escrowPending: bigint }>> {
  const rows = await db`
    with open_held as materialized (
      -- each open order's row by its key (lateral, limit 1), never a scan of every order
      select o.hold_currency as currency, sum(o.held) as held
      from open_orders k cross join lateral (select hold_currency, held, status from orders o where o.id = k.id limit 1) o
      where o.status in ('new', 'open')
      group by o.hold_currency)
    select c.code as currency,
      coalesce((select held from open_held h where h.currency = c.code), 0)
        + coalesce((select sum(hold_amount) from trigger_orders where hold_currency = c.code and status = 'pending'), 0)
        as orders_held,
      coalesce((select credits_pending from ledger_accounts where name = ${ORDER_ESCROW} and currency = c.code), 0) as escrow_pending
    from currencies c order by c.code`;
  return rows.map((r) => ({
    currency: r.currency as string,
    ordersHeld: r.ordersHeld as bigint,
    escrowPending: r.escrowPending as bigint,
  }));
}
