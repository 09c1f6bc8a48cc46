/**
 * Placing bets, the hot path: each bet row and the hold of its stake commit in one SQL transaction, and bets arriving
 * together share that transaction (group commit), so the house account and a busy event row are locked once per
 * batch instead of once per bet.
 */
import { bettingRefusal, bettorRefusal, type EventState } from '../../domain/betting/events.js';
import { BET_TERMS, stakeHoldGroup, type BetTerms } from '../../domain/betting/bets.js';
import { ErrorCode, type FieldIssue } from '../../domain/errors.js';
import { repeatConflict } from '../../domain/idempotency-keys.js';
import type { TransferGroup } from '../../domain/ledger/engine.js';
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import { beginWithReads, type Commit } from '../../platform/db/begin-with-reads.js';
import { BetIdReserve, drawnIds } from './bet-ids.js';
import { toBet, type Bet } from './bets-store.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { readGroups, stageDecisions } from '../ledger/journal.js';
import { linkOrderCallbacks, orderId, type CallbackLink, type OrderCallback } from '../orders/client.js';

export interface BetRequest {
  userId: string;
  eventId: string;
  currency: string;
  amount: bigint;
  /** The client's Idempotency-Key, scoped to the user. */
  idempotencyKey: string;
  /** Linked to the bet, and told it is placed, in the batch that places it (a replay is linked by the route). */
  callback?: OrderCallback;
}

export type PlacementOutcome =
  { ok: true; bet: Bet; replayed: boolean } | { ok: false; error: { code: ErrorCode; message: string; issues?: FieldIssue[] } };

/**
 * Where a committed batch's time went, in milliseconds of wall time: its first round trip (from the batch's start to
 * its reads' answers reaching the placer: BEGIN, the reads and locks, and any wait on the event loop), deciding it
 * (the ledger's rules, the bets' rows), and its writes with COMMIT (from COMMIT issued to committed).
 */
export interface BatchPhases {
  bets: number;
  readsMs: number;
  decidingMs: number;
  writesMs: number;
}

export interface BetPlacerOptions {
  /** See BatchQueue (WRITE_BATCHES_IN_FLIGHT in the API); 1 by default. */
  batchesInFlight?: number;
  maxBatch?: number;
  /** Told of every committed batch (the API's /metrics, bench/bets.ts). */
  onBatch?: (phases: BatchPhases) => void;
}

export class BetPlacer {
  private readonly queue: BatchQueue<BetRequest, PlacementOutcome>;
  private readonly ids = new BetIdReserve();

  constructor(sql: Sql, { batchesInFlight = 1, maxBatch = 250, onBatch }: BetPlacerOptions = {}) {
    // BEGIN travels with the batch's first statements, which read and lock (the ledger's too: the ids its keys name
    // are drawn a batch ahead), and COMMIT with its writes: two round trips a batch, and through the API each round
    // trip also waits its turn on the event loop (ARCHITECTURE.md, "The hot path")
    const place = async (batch: BetRequest[]) => {
      const started = performance.now();
      let read = started;
      let committing = started;
      // taken without an await when the reserve holds them: BatchQueue starts this batch before it answers the last
      // one's callers (`nextBeforeAnswers`), and its first statements should not queue behind those answers' microtasks
      const ids = this.ids.take(batch.length) ?? (await this.ids.draw(sql, batch.length));
      const holds = batch.map(({ eventId, userId, currency, amount }, i) =>
        stakeHoldGroup({ betId: ids[i]!, eventId, userId, currency, amount }),
      );
      const outcomes = await beginWithReads(
        sql,
        (tx, began) => readForBets(tx, batch, holds, began),
        (tx, reads, commit) => {
          read = performance.now();
          this.ids.add(reads.drawnIds);
          const timedCommit = () => {
            committing = performance.now();
            return commit();
          };
          return placeBets(tx, batch, ids, holds, reads, timedCommit);
        },
      );
      const committed = performance.now();
      onBatch?.({
        bets: batch.length,
        readsMs: read - started,
        decidingMs: committing - read,
        writesMs: committed - committing,
      });
      return outcomes;
    };
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
  createdBy: string;
}

const idempotencyId = (r: { userId: string; idempotencyKey: string }) => `${r.userId}\n${r.idempotencyKey}`;

/** The same key again: the first bet if the request is the same, else a conflict naming the fields that differ. */
function replayOrConflict(request: BetRequest, bet: Bet): PlacementOutcome {
  const conflict = repeatConflict<BetTerms>(request.idempotencyKey, 'bet', bet, request, BET_TERMS);
  return conflict ? { ok: false, error: conflict } : { ok: true, bet, replayed: true };
}

/**
 * A batch's first round trip, sent with BEGIN (beginWithReads): none of it writes (but the ledger's creation of an
 * account it has not met, which waits for BEGIN's answer: readGroups), so none would do harm outside a transaction
 * whose BEGIN failed. In this order (postgres.js pipelines them; the server runs them in order):
 * - the events, FOR SHARE: a state change (FOR UPDATE) waits for this batch, and this batch sees one committed before it
 * - the clock, read once the events are locked, and ids for the next batch (BetIdReserve)
 * - what the ledger reads and locks for every request's hold (readGroups): a superset of the holds that apply, which
 *   are decided once all of this is answered. Not the holds' keys: a hold is keyed by its bet's id, fresh from the
 *   sequence, so no transfer has it yet (a repeated request is answered from its bet, below)
 * - earlier bets under the same keys: a repeated request is answered from its bet, even if the event has closed since.
 *   Last, as the largest statement: postgres.js writes what it has buffered when a statement brings it to 1 KB, and
 *   the rest on its next setImmediate, a turn of the event loop later (behind the last batch's answers, which
 *   BatchQueue hands out after starting this one); and after the locks (unless the ledger must first create an
 *   account), so a key placed by a batch whose locks this one waited for is found and answered, not a race
 */
async function readForBets(tx: Tx, requests: BetRequest[], holds: TransferGroup[], began: Promise<unknown>) {
  const ours = Promise.all([
    tx`
      select e.id, e.state, e.deadline, e.book_closed_at, e.coefficient, e.created_by
      from unnest(${tx.array([...new Set(requests.map((r) => r.eventId))])}::bigint[]) as k(id) join bet_events e on e.id = k.id
      order by e.id for share of e`,
    tx`select clock_timestamp() as now, ${drawnIds(tx, requests.length)} as ids`,
  ]);
  // postgres.js sends statements in the order they are awaited
  const ledger = readGroups(tx, holds, { began, newKeys: true });
  // one index probe per key, whatever plan the connection cached: a plain join to unnest, planned while the table was
  // small, hashed the whole table on every batch (ARCHITECTURE.md, "The hot path")
  const stored = tx`
    select b.* from unnest(${tx.array(requests.map((r) => r.userId))}::uuid[], ${tx.array(requests.map((r) => r.idempotencyKey))}::text[])
      as r(user_id, idempotency_key)
    cross join lateral (
      select * from bets b where b.user_id = r.user_id and b.idempotency_key = r.idempotency_key limit 1) b`;
  const [[events, [clock]], read, storedRows] = await Promise.all([ours, ledger, stored]);
  return {
    stored: storedRows,
    events: new Map(events.map((r) => [String(r.id), r as unknown as LockedEvent])),
    now: clock!.now as Date,
    drawnIds: clock!.ids as string[],
    ledger: read,
  };
}

/**
 * Places a batch of bets in the caller's transaction, given its first reads; each request gets its own outcome. The
 * holds are decided on the ledger's reads, so the bets whose holds apply, the ledger's writes and COMMIT go out
 * together: a failing write (a key placed concurrently by another process: a race, and the batch is retried) turns
 * that COMMIT into a rollback, and the batch fails whole. A batch with bets given a callback links them in its
 * transaction, behind the bets' rows, and sends COMMIT once they are linked.
 */
async function placeBets(
  tx: Tx,
  requests: BetRequest[],
  ids: string[],
  holds: TransferGroup[],
  { stored, events, now, ledger }: Awaited<ReturnType<typeof readForBets>>,
  commit: Commit,
): Promise<PlacementOutcome[]> {
  const outcomes: Array<PlacementOutcome | undefined> = new Array(requests.length);
  const storedBets = new Map(
    stored.map((row) => [idempotencyId({ userId: row.userId, idempotencyKey: row.idempotencyKey }), toBet(row)]),
  );
  const firstInBatch = new Map<string, number>();
  const repeats: Array<[number, number]> = [];
  const accepted: number[] = [];
  requests.forEach((request, i) => {
    const id = idempotencyId(request);
    const bet = storedBets.get(id);
    const first = firstInBatch.get(id);
    if (bet) outcomes[i] = replayOrConflict(request, bet);
    else if (first !== undefined) repeats.push([i, first]);
    else {
      firstInBatch.set(id, i);
      const event = events.get(request.eventId);
      const refusal = event
        ? // the route refused callers whose role settles every event; the event's own line provider is known here
          (bettingRefusal(event, now) ?? bettorRefusal({ id: request.userId }, event))
        : { code: ErrorCode.NotFound, message: 'no such event', issues: undefined };
      if (refusal) outcomes[i] = { ok: false, error: { code: refusal.code, message: refusal.message, issues: refusal.issues } };
      else accepted.push(i);
    }
  });

  const writes: Array<Promise<unknown>> = [];
  const callbacks: CallbackLink[] = [];
  if (accepted.length > 0) {
    const { decided, written } = await stageDecisions(
      tx,
      accepted.map((i) => holds[i]!),
      ledger,
    );
    const placed: Bet[] = [];
    accepted.forEach((i, n) => {
      const hold = decided[n]!;
      if (!hold.ok) {
        outcomes[i] = { ok: false, error: { code: hold.error.code, message: hold.error.message } };
        return;
      }
      const request = requests[i]!;
      const bet: Bet = {
        id: ids[i]!,
        eventId: request.eventId,
        userId: request.userId,
        currency: request.currency,
        amount: request.amount,
        coefficient: BigInt(events.get(request.eventId)!.coefficient),
        status: 'pending',
        payout: null,
        idempotencyKey: request.idempotencyKey,
        placedAt: now,
        settledAt: null,
      };
      outcomes[i] = { ok: true, bet, replayed: false };
      placed.push(bet);
      if (request.callback) callbacks.push({ id: orderId('bet', bet.id), userId: bet.userId, callback: request.callback });
    });
    writes.push(written);
    if (placed.length > 0) writes.push(insertBets(tx, placed, now));
  }

  for (const [i, first] of repeats) {
    const outcome = outcomes[first]!;
    outcomes[i] = outcome.ok ? replayOrConflict(requests[i]!, outcome.bet) : outcome;
  }
  // the few bets with a callback: linked behind the bets' rows, which their first state is read from, and COMMIT behind
  // the links (round trips the usual batch, with none, does not make)
  if (callbacks.length > 0) await Promise.all([...writes, linkOrderCallbacks(tx, callbacks)]);
  await Promise.all([...writes, commit()]);
  return outcomes.map((o) => o!);
}

function insertBets(tx: Tx, bets: Bet[], now: Date) {
  return tx`
    insert into bets (id, event_id, user_id, currency, amount, coefficient, idempotency_key, placed_at)
    select *, ${now}::timestamptz from unnest(
      ${tx.array(bets.map((b) => b.id))}::bigint[],
      ${tx.array(bets.map((b) => b.eventId))}::bigint[],
      ${tx.array(bets.map((b) => b.userId))}::uuid[],
      ${tx.array(bets.map((b) => b.currency))}::text[],
      ${tx.array(bets.map((b) => b.amount.toString()))}::numeric[],
      ${tx.array(bets.map((b) => Number(b.coefficient)))}::integer[],
      ${tx.array(bets.map((b) => b.idempotencyKey))}::text[])`.execute();
}
