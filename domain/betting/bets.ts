/**
 * Bets, pure: stakes with at most two decimals, coefficients as integer hundredths, the payout rule, and the ledger
 * groups that hold a stake at placement and settle it when its event finishes.
 */
import type { RequestFields } from '../idempotency-keys.js';
import { userAccountName, type TransferGroup } from '../ledger/engine.js';
import { formatAmount, MAX_MINOR_UNITS, parseAmount } from '../money.js';

/** The bookmaker's account: lost stakes go to it, winnings are paid from it. A system account, so it may go negative. */
export const HOUSE_ACCOUNT = 'house:bets';

export const BET_STATUSES = ['pending', 'won', 'lost', 'refunded'] as const;
export type BetStatus = (typeof BET_STATUSES)[number];

/** How an event ended, as far as its bets are concerned. */
export type BetOutcome = 'finished_win' | 'finished_lose' | 'cancelled';

/** Coefficients have two decimals and are kept as integer hundredths: "1.85" is 185. */
export const COEFFICIENT_DECIMALS = 2;
/** A coefficient must be above 1.00: at 1.00 a winner only gets the stake back. */
export const MIN_COEFFICIENT = 101n;
export const MAX_COEFFICIENT = 1_000_000n; // 10000.00

/** Stakes have at most two decimals whatever the currency's scale (the line provider's rule). */
export const STAKE_DECIMALS = 2;
/** The largest stake in minor units: its payout at the largest coefficient still fits the ledger's range. */
export const MAX_STAKE = (MAX_MINOR_UNITS * 100n) / MAX_COEFFICIENT;

export type Parsed = { ok: true; value: bigint } | { ok: false; reason: string };

export function parseCoefficient(text: string): Parsed {
  const parsed = parseAmount(text, COEFFICIENT_DECIMALS, { allowZero: true });
  if (!parsed.ok) return parsed;
  if (parsed.value < MIN_COEFFICIENT) return { ok: false, reason: 'must be greater than 1.00' };
  if (parsed.value > MAX_COEFFICIENT) return { ok: false, reason: `must be at most ${formatCoefficient(MAX_COEFFICIENT)}` };
  return parsed;
}

export function formatCoefficient(hundredths: bigint): string {
  return formatAmount(hundredths, COEFFICIENT_DECIMALS);
}

/**
 * A stake in minor units of a currency with `scale` decimals. "12.34" in USDT (6 decimals) is 12_340_000; a third
 * decimal is refused even where the currency has one, and a currency with fewer decimals keeps its own limit.
 */
export function parseStake(text: string, scale: number): Parsed {
  const decimals = Math.min(STAKE_DECIMALS, scale);
  const parsed = parseAmount(text, decimals);
  if (!parsed.ok) return parsed;
  const value = parsed.value * 10n ** BigInt(scale - decimals);
  if (value > MAX_STAKE) return { ok: false, reason: 'is too large' };
  return { ok: true, value };
}

/**
 * What a winning bet returns: stake × coefficient, rounded DOWN to the currency's minor unit, so the house never
 * pays a fraction it cannot represent and never pays more than the odds promised. In a two- or three-decimal
 * currency the product can fall between minor units (10.01 USD at 1.85 is 18.5185, paid 18.51; 0.01 at 1.85 pays
 * 0.01); from four decimals on it is exact, because a stake has at most two.
 */
export function payoutFor(stake: bigint, coefficient: bigint): bigint {
  if (stake <= 0n || coefficient < MIN_COEFFICIENT)
    throw new RangeError('payoutFor expects a positive stake and a coefficient above 1.00');
  return (stake * coefficient) / 100n;
}

/** What a bet's Idempotency-Key stands for: the whole request (its callback_url is linked apart, after the bet). */
export interface BetTerms {
  eventId: string;
  currency: string;
  amount: bigint;
}

export const BET_TERMS: RequestFields<BetTerms> = { eventId: 'event_id', currency: 'currency', amount: 'amount' };

export const betStakeKey = (betId: string) => `bet:${betId}:stake`;
export const betSettleKey = (betId: string) => `bet:${betId}:settle`;
export const betPayoutKey = (betId: string) => `bet:${betId}:payout`;

export interface BetHold {
  betId: string;
  eventId: string;
  userId: string;
  currency: string;
  amount: bigint;
}

/** Placing a bet holds the stake: a pending transfer from the user to the house, resolved at settlement. */
export function stakeHoldGroup(bet: BetHold): TransferGroup {
  return {
    transfers: [
      {
        kind: 'pending',
        key: betStakeKey(bet.betId),
        debit: userAccountName(bet.userId),
        credit: HOUSE_ACCOUNT,
        currency: bet.currency,
        amount: bet.amount,
        metadata: { type: 'bet_stake', bet_id: bet.betId, event_id: bet.eventId },
      },
    ],
  };
}

export interface BetToSettle extends BetHold {
  coefficient: bigint;
}

export interface Settlement {
  status: Exclude<BetStatus, 'pending'>;
  /** What the user gets back: stake × coefficient when won, nothing when lost, the stake when refunded. */
  payout: bigint;
  group: TransferGroup;
}

/**
 * Settling a bet, one ledger group keyed by the bet so a repeat is a replay: a win posts the hold (the stake goes to
 * the house) and pays stake × coefficient from the house, so the user nets stake × (coefficient − 1); a loss posts
 * the hold; a cancelled event voids it.
 */
export function settleBet(bet: BetToSettle, outcome: BetOutcome): Settlement {
  const metadata = { type: 'bet_settlement', bet_id: bet.betId, event_id: bet.eventId, outcome };
  const settle = { key: betSettleKey(bet.betId), pendingKey: betStakeKey(bet.betId), metadata };
  switch (outcome) {
    case 'finished_win': {
      const payout = payoutFor(bet.amount, bet.coefficient);
      return {
        status: 'won',
        payout,
        group: {
          transfers: [
            { kind: 'post', ...settle },
            {
              kind: 'posted',
              key: betPayoutKey(bet.betId),
              debit: HOUSE_ACCOUNT,
              credit: userAccountName(bet.userId),
              currency: bet.currency,
              amount: payout,
              metadata: { type: 'bet_payout', bet_id: bet.betId, event_id: bet.eventId },
            },
          ],
        },
      };
    }
    case 'finished_lose':
      return { status: 'lost', payout: 0n, group: { transfers: [{ kind: 'post', ...settle }] } };
    case 'cancelled':
      return { status: 'refunded', payout: bet.amount, group: { transfers: [{ kind: 'void', ...settle }] } };
  }
}
