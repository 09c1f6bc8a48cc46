/**
 * Placing bets, the hot path: each bet row and the hold of its stake commit in one SQL transaction, and bets arriving
 * together share that transaction (group commit), so the house account and a busy event row are locked once per
 * batch instead of once per bet.
 */
import { bettingRefusal, type EventState } from '../../domain/betting/events.js';
import { stakeHoldGroup } from '../../domain/betting/bets.js';
import { ErrorCode } from '../../domain/errors.js';
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import { beginWithReads, type Commit } from '../../platform/db/begin-with-reads.js';
import { toBet, type Bet } from './bets-store.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { stageGroups } from '../ledger/journal.js';

export interface BetRequest {
  userId: string;
  eventId: string;
  currency: string;
  amount: bigint;
  /** The client's Idempotency-Key, scoped to the user. */
  idempotencyKey: string;
}

export type PlacementOutcome =
  { ok: true; bet: Bet; replayed: boolean } | { ok: false; error: { code: ErrorCode; message: string } };

export class BetPlacer {
  private readonly queue: BatchQueue<BetRequest, PlacementOutcome>;

  /** `batchesInFlight`: see BatchQueue (WRITE_BATCHES_IN_FLIGHT in the API). */
  constructor(sql: Sql, batchesInFlight = 1, maxBatch = 250) {
    // BEGIN travels with the batch's first statements, which only read and lock, and COMMIT with its last writes: two
    // round trips less per batch, and through the API each round trip also waits its turn on the event loop
    // (ARCHITECTURE.md, "The hot path")
    const place = (batch: BetRequest[]) =>
      beginWithReads(
        sql,
        (tx) => readForBets(tx, batch),
        (tx, read, commit) => placeBets(tx, batch, read, commit),
      );
    // its callers are the API's requests: a closed loop of clients splits into two alternating groups, evened out here,
    // and answering a batch means writing its responses (BatchQueue)
    const pacing = { evenHalves: true, nextBeforeAnswers: true };
    this.queue = new BatchQueue((batch) => retryOnRace(() => place(batch)), maxBatch, batchesInFlight, pacing);
  }

  place(request: BetRequest): Promise<PlacementOutcome> {
    return this.queue.submit(request);
  }
}

interface LockedEvent {
  state: EventState;
  deadline: Date;
  bookClosedAt: Date | null;
  coefficient: number;
}

const idempotencyId = (r: { userId: string; idempotencyKey: string }) => `${r.userId}\n${r.idempotencyKey}`;

/** The same key again: the first bet if the request is the same, a conflict otherwise. */
function replayOrConflict(request: BetRequest, bet: Bet): PlacementOutcome {
  if (bet.eventId === request.eventId && bet.currency === request.currency && bet.amount === request.amount) {
    return { ok: true, bet, replayed: true };
  }
  return {
    ok: false,
    error: { code: ErrorCode.IdempotencyConflict, message: 'this Idempotency-Key was used for a different bet' },
  };
}

/**
 * A batch's first round trip, three statements (postgres.js pipelines them; the server runs them in order), sent with
 * BEGIN (beginWithReads): none writes, so none would do harm outside a transaction whose BEGIN failed.
 * - earlier bets under the same keys: a repeated request is answered from its bet, even if the event has closed since
 * - the events, FOR SHARE: a state change (FOR UPDATE) waits for this batch, and this batch sees one committed before it
 * - the clock, read once the events are locked, and ids for the bets (the hold's ledger key names its bet)
 */
function readForBets(tx: Tx, requests: BetRequest[]) {
  return Promise.all([
    // one index probe per key, whatever plan the connection cached: a plain join to unnest, planned while the table
    // was small, hashed the whole table on every batch (ARCHITECTURE.md, "The hot path")
    tx`
      select b.* from unnest(${tx.array(requests.map((r) => r.userId))}::uuid[], ${tx.array(requests.map((r) => r.idempotencyKey))}::text[])
        as r(user_id, idempotency_key)
      cross join lateral (
        select * from bets b where b.user_id = r.user_id and b.idempotency_key = r.idempotency_key limit 1) b`,
    tx`
      select e.id, e.state, e.deadline, e.book_closed_at, e.coefficient
      from unnest(${tx.array([...new Set(requests.map((r) => r.eventId))])}::bigint[]) as k(id) join bet_events e on e.id = k.id
      order by e.id for share of e`,
    tx`select clock_timestamp() as now, array(select nextval('bets_id_seq')::text from generate_series(1, ${requests.length})) as ids`,
  ]);
}

/**
 * Places a batch of bets in the caller's transaction, given its first reads; each request gets its own outcome. The
 * holds are decided once the ledger's reads answer, so its writes, the deletion of refused bets and COMMIT go out
 * together: a failing write turns that COMMIT into a rollback, and the batch fails whole.
 */
async function placeBets(
  tx: Tx,
  requests: BetRequest[],
  [stored, eventRows, [clock]]: Awaited<ReturnType<typeof readForBets>>,
  commit: Commit,
): Promise<PlacementOutcome[]> {
  const outcomes: Array<PlacementOutcome | undefined> = new Array(requests.length);
  const now = clock!.now as Date;
  const ids = clock!.ids as string[];
  const events = new Map(eventRows.map((r) => [String(r.id), r as unknown as LockedEvent]));

  const storedBets = new Map(
    stored.map((row) => [idempotencyId({ userId: row.userId, idempotencyKey: row.idempotencyKey }), toBet(row)]),
  );
  const firstInBatch = new Map<string, number>();
  const repeats: Array<[number, number]> = [];
  const fresh: number[] = [];
  requests.forEach((request, i) => {
    const id = idempotencyId(request);
    const bet = storedBets.get(id);
    const first = firstInBatch.get(id);
    if (bet) outcomes[i] = replayOrConflict(request, bet);
    else if (first !== undefined) repeats.push([i, first]);
    else {
      firstInBatch.set(id, i);
      fresh.push(i);
    }
  });

  const accepted: number[] = [];
  for (const i of fresh) {
    const event = events.get(requests[i]!.eventId);
    const refusal = event ? bettingRefusal(event, now) : { code: ErrorCode.NotFound, message: 'no such event' };
    if (refusal) outcomes[i] = { ok: false, error: { code: refusal.code, message: refusal.message } };
    else accepted.push(i);
  }

  const writes: Array<Promise<unknown>> = [];
  if (accepted.length > 0) {
    const bets: Bet[] = accepted.map((i, n) => ({
      ...requests[i]!,
      id: ids[n]!,
      coefficient: BigInt(events.get(requests[i]!.eventId)!.coefficient),
      status: 'pending',
      payout: null,
      placedAt: now,
      settledAt: null,
    }));
    // sent now, so it travels with the ledger's first statements instead of after them (a round trip less, outside
    // the house account's lock); a bet whose hold the ledger refuses is deleted again before this transaction ends
    const inserted = tx`
      insert into bets (id, event_id, user_id, currency, amount, coefficient, idempotency_key, placed_at)
      select *, ${now}::timestamptz from unnest(
        ${tx.array(bets.map((b) => b.id))}::bigint[],
        ${tx.array(bets.map((b) => b.eventId))}::bigint[],
        ${tx.array(bets.map((b) => b.userId))}::uuid[],
        ${tx.array(bets.map((b) => b.currency))}::text[],
        ${tx.array(bets.map((b) => b.amount.toString()))}::numeric[],
        ${tx.array(bets.map((b) => Number(b.coefficient)))}::integer[],
        ${tx.array(bets.map((b) => b.idempotencyKey))}::text[])`.execute();
    inserted.catch(() => {}); // awaited below on every path
    let holds;
    try {
      // the holds are decided once the ledger's reads are answered; its writes are sent then, not awaited
      holds = await stageGroups(
        tx,
        bets.map((bet) => stakeHoldGroup({ ...bet, betId: bet.id })),
      );
    } catch (error) {
      // a failed insert aborts the transaction under the ledger's statements: its error is the one that explains
      // (a key placed concurrently by another process is a race, and the batch is retried)
      await inserted;
      throw error;
    }
    const refused: string[] = [];
    accepted.forEach((i, n) => {
      const hold = holds.decided[n]!;
      outcomes[i] = hold.ok
        ? { ok: true, bet: bets[n]!, replayed: false }
        : { ok: false, error: { code: hold.error.code, message: hold.error.message } };
      if (!hold.ok) refused.push(bets[n]!.id);
    });
    writes.push(inserted, holds.written);
    if (refused.length > 0) writes.push(tx`delete from bets where id = any(${tx.array(refused)}::bigint[])`.execute());
  }

  for (const [i, first] of repeats) {
    const outcome = outcomes[first]!;
    outcomes[i] = outcome.ok ? replayOrConflict(requests[i]!, outcome.bet) : outcome;
  }
  await Promise.all([...writes, commit()]);
  return outcomes.map((o) => o!);
}
