/**
 * Settling an event's bets a page at a time. Each page is one SQL transaction: the ledger groups of its bets, their
 * new status and their owners' notifications commit together, and only pending bets are taken, so a page repeated
 * after a crash settles nothing twice and simply moves on to the bets still pending.
 */
import { isOutcome, type BetTally } from '../domain/bet-events.js';
import { formatCoefficient, settleBet, type BetOutcome } from '../domain/bets.js';
import { formatAmount } from '../domain/money.js';
import { tallyBets } from './bets.js';
import type { Sql } from './client.js';
import { commitGroups } from './ledger/journal.js';
import { notifyMany, type NewNotification } from './notifications.js';

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

    const outcomes = await commitGroups(tx, settlements.map((s) => s.group));
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
      await notifyMany(tx, bets.map((bet, i) => settledNotice(bet, settlements[i]!, event.title as string | null)));
    }
    return { outcome, settled: bets.length, tally: await tallyBets(tx, eventId) };
  });
}

function settledNotice(
  bet: { betId: string; eventId: string; userId: string; currency: string; amount: bigint; coefficient: bigint; scale: number },
  settlement: ReturnType<typeof settleBet>,
  eventTitle: string | null,
): NewNotification {
  const amount = (minor: bigint) => `${formatAmount(minor, bet.scale)} ${bet.currency}`;
  const title = {
    won: `Your bet #${bet.betId} won ${amount(settlement.payout)}`,
    lost: `Your bet #${bet.betId} lost`,
    refunded: `Your bet #${bet.betId} was refunded: the event was cancelled`,
  }[settlement.status];
  return {
    key: `bet:${bet.betId}:settled`,
    userId: bet.userId,
    kind: 'bet_settled',
    title,
    body: {
      bet_id: bet.betId,
      event_id: bet.eventId,
      event_title: eventTitle,
      status: settlement.status,
      currency: bet.currency,
      stake: formatAmount(bet.amount, bet.scale),
      coefficient: formatCoefficient(bet.coefficient),
      payout: formatAmount(settlement.payout, bet.scale),
    },
  };
}
