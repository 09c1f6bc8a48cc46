/** Betting events as line providers publish and change them, and what their workflow records (book closed, settled). */
import { coefficientChangeRefusal, stateChange, type EventState } from '../../domain/betting/events.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { rowsWithoutWorkflow } from '../../platform/db/workflow-outbox.js';

export interface BetEvent {
  id: string;
  title: string | null;
  /** Hundredths: 185 is 1.85. */
  coefficient: bigint;
  deadline: Date;
  state: EventState;
  createdBy: string;
  bookClosedAt: Date | null;
  finishedAt: Date | null;
  settledAt: Date | null;
  /** Who set the result: its line provider, or an operator in the console. */
  resultSetBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toBetEvent(r: Record<string, unknown>): BetEvent {
  return {
    id: String(r.id),
    title: (r.title as string | null) ?? null,
    coefficient: BigInt(r.coefficient as number),
    deadline: r.deadline as Date,
    state: r.state as EventState,
    createdBy: r.createdBy as string,
    bookClosedAt: (r.bookClosedAt as Date | null) ?? null,
    finishedAt: (r.finishedAt as Date | null) ?? null,
    settledAt: (r.settledAt as Date | null) ?? null,
    resultSetBy: (r.resultSetBy as string | null) ?? null,
    createdAt: r.createdAt as Date,
    updatedAt: r.updatedAt as Date,
  };
}

export interface NewBetEvent {
  title: string | null;
  coefficient: bigint;
  deadline: Date;
  createdBy: string;
  idempotencyKey: string | null;
}

/** Inserts an event; under an Idempotency-Key already used by this provider, returns the first event instead. */
export async function insertBetEvent(db: Db, e: NewBetEvent): Promise<{ event: BetEvent; created: boolean }> {
  const [inserted] = await db`
    insert into bet_events (title, coefficient, deadline, created_by, idempotency_key)
    values (${e.title}, ${Number(e.coefficient)}, ${e.deadline}, ${e.createdBy}, ${e.idempotencyKey})
    on conflict (created_by, idempotency_key) do nothing
    returning *`;
  if (inserted) return { event: toBetEvent(inserted), created: true };
  return { event: (await betEventByIdempotencyKey(db, e.createdBy, e.idempotencyKey!))!, created: false };
}

export async function betEventByIdempotencyKey(db: Db, createdBy: string, idempotencyKey: string): Promise<BetEvent | null> {
  const [row] = await db`select * from bet_events where created_by = ${createdBy} and idempotency_key = ${idempotencyKey}`;
  return row ? toBetEvent(row) : null;
}

export async function betEventById(db: Db, id: string): Promise<BetEvent | null> {
  const [row] = await db`select * from bet_events where id = ${id}`;
  return row ? toBetEvent(row) : null;
}

/** Events published more than `olderThanSeconds` ago whose workflow is not recorded as started, oldest first. */
export async function unstartedBetEvents(db: Db, olderThanSeconds: number): Promise<BetEvent[]> {
  return (await rowsWithoutWorkflow(db, 'bet_events', olderThanSeconds)).map(toBetEvent);
}

/** Newest first; `before` is the id of the last event of the previous page. */
export async function listBetEvents(db: Db, page: { before?: string; limit: number; state?: EventState }): Promise<BetEvent[]> {
  const rows = await db`
    select * from bet_events
    where true ${page.state ? db`and state = ${page.state}` : db``} ${page.before ? db`and id < ${page.before}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toBetEvent);
}

export interface BetEventChange {
  state?: EventState;
  coefficient?: bigint;
}

/** Who changes an event: recorded with the result it sets. */
export interface BetEventChanger {
  id: string;
  /** A line provider changes only the events it published; operators change any. */
  ownEventsOnly: boolean;
}

/**
 * Changes an event under a row lock. Placement holds the same row FOR SHARE while it writes a bet, so once a state
 * change commits no bet can still be on its way in: settlement, which starts after it, sees every bet there is.
 * Returns null when there is no such event (or none `by` may change); throws the DomainError of a refused change.
 */
export async function changeBetEvent(
  sql: Sql,
  id: string,
  change: BetEventChange,
  by?: BetEventChanger,
): Promise<{ event: BetEvent; stateChanged: boolean } | null> {
  return sql.begin(async (tx) => {
    const [row] = await tx`
      select *, clock_timestamp() as now from bet_events
      where id = ${id} ${by?.ownEventsOnly ? tx`and created_by = ${by.id}` : tx``}
      for update`;
    if (!row) return null;
    const event = toBetEvent(row);
    const stateChanged = change.state === undefined ? false : stateChange(event.state, change.state);
    if (stateChanged instanceof Error) throw stateChanged;
    const coefficientChanged = change.coefficient !== undefined && change.coefficient !== event.coefficient;
    if (coefficientChanged) {
      const refusal = coefficientChangeRefusal(event, row.now as Date, stateChanged === 'changed');
      if (refusal) throw refusal;
    }
    if (stateChanged !== 'changed' && !coefficientChanged) return { event, stateChanged: false };
    const [updated] = await tx`
      update bet_events set
        state = ${change.state ?? event.state},
        coefficient = ${Number(change.coefficient ?? event.coefficient)},
        finished_at = ${stateChanged === 'changed' ? tx`now()` : tx`finished_at`},
        result_set_by = ${stateChanged === 'changed' ? (by?.id ?? null) : tx`result_set_by`},
        updated_at = now()
      where id = ${id}
      returning *`;
    return { event: toBetEvent(updated!), stateChanged: stateChanged === 'changed' };
  });
}

/** The deadline passed: no bet gets in after this commits (it waits for placements holding the row). Repeatable. */
export async function closeBook(db: Db, id: string): Promise<BetEvent | null> {
  const [row] = await db`
    update bet_events set book_closed_at = coalesce(book_closed_at, now()), updated_at = now()
    where id = ${id} returning *`;
  return row ? toBetEvent(row) : null;
}

/** Marks an event settled once none of its bets is pending; null if some still are. Repeatable. */
export async function markSettled(db: Db, id: string): Promise<BetEvent | null> {
  const [row] = await db`
    update bet_events set settled_at = coalesce(settled_at, now()), updated_at = now()
    where id = ${id} and state <> 'new'
      and not exists (select 1 from bets where event_id = ${id} and status = 'pending')
    returning *`;
  return row ? toBetEvent(row) : null;
}
