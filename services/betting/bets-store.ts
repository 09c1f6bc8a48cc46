/** Bets as users see them, and the per-event tally settlement reports. */
import type { BetTally } from '../../domain/betting/events.js';
import type { BetStatus } from '../../domain/betting/bets.js';
import type { Db } from '../../platform/db/client.js';

export interface Bet {
  id: string;
  eventId: string;
  userId: string;
  currency: string;
  amount: bigint;
  /** Hundredths, as the event had it when the bet was placed. */
  coefficient: bigint;
  status: BetStatus;
  /** What the user got back at settlement; null while pending. */
  payout: bigint | null;
  idempotencyKey: string;
  placedAt: Date;
  settledAt: Date | null;
}

export function toBet(r: Record<string, unknown>): Bet {
  return {
    id: String(r.id),
    eventId: String(r.eventId),
    userId: r.userId as string,
    currency: r.currency as string,
    amount: r.amount as bigint,
    coefficient: BigInt(r.coefficient as number),
    status: r.status as BetStatus,
    payout: (r.payout as bigint | null) ?? null,
    idempotencyKey: r.idempotencyKey as string,
    placedAt: r.placedAt as Date,
    settledAt: (r.settledAt as Date | null) ?? null,
  };
}

export async function betById(db: Db, id: string): Promise<Bet | null> {
  const [row] = await db`select * from bets where id = ${id}`;
  return row ? toBet(row) : null;
}

export async function betByIdempotencyKey(db: Db, userId: string, idempotencyKey: string): Promise<Bet | null> {
  const [row] = await db`select * from bets where user_id = ${userId} and idempotency_key = ${idempotencyKey}`;
  return row ? toBet(row) : null;
}

/** A user's bets, newest first; `before` is the id of the last bet of the previous page. */
export async function betsOfUser(
  db: Db,
  userId: string,
  page: { before?: string; limit: number; status?: BetStatus; eventId?: string },
): Promise<Bet[]> {
  const rows = await db`
    select * from bets where user_id = ${userId}
    ${page.status ? db`and status = ${page.status}` : db``}
    ${page.eventId ? db`and event_id = ${page.eventId}` : db``}
    ${page.before ? db`and id < ${page.before}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toBet);
}

/** An event's bets, newest first; `before` is the id of the last bet of the previous page. */
export async function betsOfEvent(db: Db, eventId: string, page: { before?: string; limit: number }): Promise<Bet[]> {
  const rows = await db`
    select * from bets where event_id = ${eventId} ${page.before ? db`and id < ${page.before}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toBet);
}

interface TallyRow {
  status: BetStatus;
  currency: string;
  bets: number;
  staked: bigint;
  paidOut: bigint;
}

function tallyOf(rows: TallyRow[]): BetTally {
  const tally: BetTally = { total: 0, pending: 0, won: 0, lost: 0, refunded: 0, currencies: [] };
  const perCurrency = new Map<string, { staked: bigint; paidOut: bigint }>();
  for (const r of rows) {
    tally.total += r.bets;
    tally[r.status] += r.bets;
    const sums = perCurrency.get(r.currency) ?? { staked: 0n, paidOut: 0n };
    perCurrency.set(r.currency, { staked: sums.staked + r.staked, paidOut: sums.paidOut + r.paidOut });
  }
  tally.currencies = [...perCurrency].map(([currency, s]) => ({
    currency,
    staked: s.staked.toString(),
    paidOut: s.paidOut.toString(),
  }));
  return tally;
}

/** Counts an event's bets by status, and per currency the stakes and what went back to users, from the bets. */
export async function tallyBets(db: Db, eventId: string): Promise<BetTally> {
  const rows = await db`
    select status, currency, count(*)::int as bets, sum(amount) as staked, coalesce(sum(payout), 0) as paid_out
    from bets where event_id = ${eventId} group by status, currency order by currency`;
  return tallyOf(rows as unknown as TallyRow[]);
}

/** The same from the tally settlement keeps (bet_event_tallies): a few rows whatever the number of bets. */
export async function settlementTally(db: Db, eventId: string): Promise<BetTally> {
  const rows =
    await db`select status, currency, bets, staked, paid_out from bet_event_tallies where event_id = ${eventId} order by currency`;
  return tallyOf(rows as unknown as TallyRow[]);
}
