/**
 * What the market workflow's activities do, off the engine process: a checkpoint replays the journal from the latest
 * checkpoint up to what is settled and stores the result (recovery then replays less); an audit replays the journal
 * from the latest checkpoint before the last snapshot the live engine wrote up to it and compares hashes, and compares
 * held funds with the escrow. Neither touches the live engine, so neither slows it; neither replays from the start.
 */
import { MarketState } from '../../domain/exchange/market-state.js';
import type { Sql } from '../../platform/db/client.js';
import { heldFunds, journalAfter, latestCheckpoint, replayJournal, settledSeq } from './journal.js';
import { loadPairs } from './pairs-store.js';
import type { MarketAudit, MarketCheckpoint } from '../../workflows/exchange/market/messages.js';

async function pairNamed(sql: Sql, code: string) {
  const pair = (await loadPairs(sql)).find((p) => p.code === code);
  if (!pair) throw new Error(`no pair ${code}`);
  return pair;
}

export async function checkpointMarket(sql: Sql, code: string): Promise<MarketCheckpoint> {
  const pair = await pairNamed(sql, code);
  // from the last checkpoint, never from an engine's snapshot, so the audit's replay stays independent of the engine
  const latest = await latestCheckpoint(sql, code);
  const state = new MarketState(pair, latest);
  const until = await settledSeq(sql, code);
  for await (const row of journalAfter(sql, code, state.seq)) {
    if (row.seq > until) break;
    state.apply(row.seq, row.command);
  }
  const checkpoint = { seq: state.seq, hash: state.stateHash() };
  if (state.seq > (latest?.seq ?? 0)) {
    await sql`
      insert into exchange_snapshots (pair, seq, state, state_hash, source)
      values (${code}, ${state.seq}, ${sql.json(state.snapshot() as never)}, ${checkpoint.hash}, 'checkpoint') on conflict do nothing`;
  }
  return checkpoint;
}

export async function auditMarket(sql: Sql, code: string): Promise<MarketAudit> {
  const pair = await pairNamed(sql, code);
  const [written] = await sql`
    select seq, state_hash from exchange_snapshots where pair = ${code} and source = 'engine' order by seq desc limit 1`;
  const engine = written ? { seq: Number(written.seq), hash: written.stateHash as string } : null;
  const replayed = engine ? await replayJournal(sql, pair, engine.seq) : null;
  const journal = replayed ? { seq: replayed.seq, hash: replayed.stateHash() } : null;
  const heldMismatches = (await heldFunds(sql)).filter((h) => h.ordersHeld !== h.escrowPending).map((h) => h.currency);
  return { ok: engine?.hash === journal?.hash && heldMismatches.length === 0, engine, journal, heldMismatches };
}

/**
 * One statement, the row created if missing: the next batch reads the flag set (two, the row's creation and then the
 * flag, let a batch in between place orders after the halt had begun).
 */
export async function setMarketHalted(sql: Sql, code: string, reason: string | null): Promise<void> {
  await sql`
    insert into exchange_markets (pair, halted) values (${code}, ${reason})
    on conflict (pair) do update set halted = excluded.halted, updated_at = now()`;
}

/** Halted markets and why: the service refuses new orders on them. */
export async function haltedMarkets(sql: Sql): Promise<Map<string, string>> {
  const rows = await sql`select pair, halted from exchange_markets where halted is not null`;
  return new Map(rows.map((r) => [r.pair as string, r.halted as string]));
}
