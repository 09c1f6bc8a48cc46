/**
 * Settling an event's bets a page at a time. Each page is one SQL transaction: the ledger groups of its bets, their
 * new status and their owners' notifications commit together, and only pending bets are taken, so a page repeated
 * after a crash settles nothing twice and simply moves on to the bets still pending.
 */
import { isOutcome, type BetTally } from '../../domain/betting/events.js';
import { formatCoefficient, settleBet, type BetOutcome } from '../../domain/betting/bets.js';
import { formatAmount } from '../../domain/money.js';
import { settlementTally } from './bets-store.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { commitGroups } from '../ledger/journal.js';
import { notifyUsers, type UserNotice } from '../notifications/client.js';
import { orderId, publishOrderUpdates } from '../orders/client.js';

export interface SettledPage {
  outcome: BetOutcome;
  /** Bets settled by this page. */
  settled: number;
  /** The event's bets after this page. */
  tally: BetTally;
}

/** Thrown for an event that has no result yet or does not exist: nothing to settle, and retrying will not help. */
export class NotSettleable extends Error {}

export async function settleBetPage(sql: Sql, eventId: string, limit: number): Promise<SettledPage> {
  return sql.begin(async (tx) => {
    const [event] = await tx`select state, title from bet_events where id = ${eventId}`;
    if (!event) throw new NotSettleable(`no event ${eventId}`);
    if (!isOutcome(event.state)) throw new NotSettleable(`event ${eventId} has no result yet`);
    const outcome: BetOutcome = event.state;
    await startTally(tx, eventId);

    // SKIP LOCKED: an attempt still running after its activity timed out keeps its page; this one takes the next
    const rows = await tx`
      select b.id, b.user_id, b.currency, b.amount, b.coefficient, c.scale
      from bets b join currencies c on c.code = b.currency
      where b.event_id = ${eventId} and b.status = 'pending'
      order by b.id limit ${limit}
      for update of b skip locked`;
    const bets = rows.map((r) => ({
      betId: String(r.id),
      eventId,
      userId: r.userId as string,
      currency: r.currency as string,
      amount: r.amount as bigint,
      coefficient: BigInt(r.coefficient as number),
      scale: Number(r.scale),
    }));
    const settlements = bets.map((bet) => settleBet(bet, outcome));

    const outcomes = await commitGroups(
      tx,
      settlements.map((s) => s.group),
    );
    const refused = outcomes.findIndex((o) => !o.ok);
    if (refused >= 0) {
      const error = (outcomes[refused] as { error: { code: string; message: string } }).error;
      // a bug or a hand-edited journal: fail the attempt (the activity retries) so an operator sees it
      throw new Error(`bet ${bets[refused]!.betId} could not be settled: ${error.code}: ${error.message}`);
    }

    if (bets.length > 0) {
      await tx`
        update bets b set status = v.status, payout = v.payout, settled_at = now()
        from unnest(
          ${tx.array(bets.map((b) => b.betId))}::bigint[],
          ${tx.array(settlements.map((s) => s.status))}::text[],
          ${tx.array(settlements.map((s) => s.payout.toString()))}::numeric[]) as v(id, status, payout)
        where b.id = v.id`;
      await moveInTally(
        tx,
        eventId,
        bets.map((bet, i) => ({ ...bet, status: settlements[i]!.status, payout: settlements[i]!.payout })),
      );
      await notifyUsers(
        tx,
        bets.map((bet, i) => settledNotice(bet, settlements[i]!, event.title as string | null)),
      );
      await publishOrderUpdates(
        tx,
        bets.map((bet) => orderId('bet', bet.betId)),
      );
    }
    return { outcome, settled: bets.length, tally: await settlementTally(tx, eventId) };
  });
}

/**
 * The first page starts the event's tally from its bets, all pending then: once the event has a result no bet can be
 * added, so that count is final. (Two overlapping attempts both try; the second insert does nothing.)
 */
async function startTally(tx: Tx, eventId: string): Promise<void> {
  const [started] = await tx`select 1 from bet_event_tallies where event_id = ${eventId} limit 1`;
  if (started) return;
  await tx`
    insert into bet_event_tallies (event_id, status, currency, bets, staked, paid_out)
    select event_id, 'pending', currency, count(*), sum(amount), 0 from bets
    where event_id = ${eventId} and status = 'pending' group by event_id, currency
    on conflict do nothing`;
}

/** Moves a page of settled bets from pending to their status in the event's tally. */
async function moveInTally(
  tx: Tx,
  eventId: string,
  settled: Array<{ currency: string; amount: bigint; status: string; payout: bigint }>,
) {
  const sums = new Map<string, { status: string; currency: string; bets: number; staked: bigint; paidOut: bigint }>();
  for (const bet of settled) {
    const key = `${bet.status}/${bet.currency}`;
    const sum = sums.get(key) ?? { status: bet.status, currency: bet.currency, bets: 0, staked: 0n, paidOut: 0n };
    sums.set(key, { ...sum, bets: sum.bets + 1, staked: sum.staked + bet.amount, paidOut: sum.paidOut + bet.payout });
  }
  const moves = [...sums.values()];
  const column = <T>(pick: (m: (typeof moves)[number]) => T) => tx.array(moves.map(pick) as never[]);
  await tx`
    update bet_event_tallies t set bets = t.bets - v.bets, staked = t.staked - v.staked
    from (select currency, sum(bets)::int as bets, sum(staked) as staked
          from unnest(${column((m) => m.currency)}::text[], ${column((m) => m.bets)}::int[], ${column((m) => m.staked.toString())}::numeric[])
            as m(currency, bets, staked) group by currency) as v
    where t.event_id = ${eventId} and t.status = 'pending' and t.currency = v.currency`;
  await tx`
    insert into bet_event_tallies (event_id, status, currency, bets, staked, paid_out)
    select ${eventId}::bigint, * from unnest(${column((m) => m.status)}::text[], ${column((m) => m.currency)}::text[], ${column((m) => m.bets)}::int[],
      ${column((m) => m.staked.toString())}::numeric[], ${column((m) => m.paidOut.toString())}::numeric[])
    on conflict (event_id, status, currency) do update
      set bets = bet_event_tallies.bets + excluded.bets, staked = bet_event_tallies.staked + excluded.staked,
          paid_out = bet_event_tallies.paid_out + excluded.paid_out`;
}

function settledNotice(
  bet: { betId: string; eventId: string; userId: string; currency: string; amount: bigint; coefficient: bigint; scale: number },
  settlement: ReturnType<typeof settleBet>,
  eventTitle: string | null,
): UserNotice {
  const amount = (minor: bigint) => `${formatAmount(minor, bet.scale)} ${bet.currency}`;
  const title = {
    won: `Your bet #${bet.betId} won ${amount(settlement.payout)}`,
    lost: `Your bet #${bet.betId} lost`,
    refunded: `Your bet #${bet.betId} was refunded: the event was cancelled`,
  }[settlement.status];
  return {
    eventId: `bet:${bet.betId}:settled`,
    userId: bet.userId,
    type: 'bet_settled',
    title,
    data: {
      bet_id: bet.betId,
      event_id: bet.eventId,
      // an event may have no title; its templates show this one then, where they would show nothing
      event_title: eventTitle ?? `Event #${bet.eventId}`,
      status: settlement.status,
      currency: bet.currency,
      stake: formatAmount(bet.amount, bet.scale),
      coefficient: formatCoefficient(bet.coefficient),
      payout: formatAmount(settlement.payout, bet.scale),
    },
  };
}
