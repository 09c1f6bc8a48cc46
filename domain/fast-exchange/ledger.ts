/**
 * An accepted quote's money story, one ledger group: the user pays the net amount into the exchange's inventory and
 * the fee to the house, both in the source currency, and the inventory pays the user in the target currency. The keys
 * are the quote's, so a quote settles at most once however often it is accepted; the inventory never goes below zero
 * (domain/ledger/engine.ts), so a swap it cannot cover is refused whole. A client's Idempotency-Key is claimed by the
 * first quote it settles, in the same group, so the key cannot settle a second one.
 */
import { userAccountName, type TransferGroup } from '../ledger/engine.js';
import { limitCounter } from '../settings/amount-rules.js';

export const EXCHANGE_INVENTORY = 'exchange:inventory';

export interface AcceptedQuote {
  id: string;
  userId: string;
  pair: string;
  from: string;
  to: string;
  amountIn: bigint;
  fee: bigint;
  amountOut: bigint;
  baseAmount: bigint;
}

export const swapKeys = (quoteId: string) => ({
  in: `fast-exchange:${quoteId}:in`,
  fee: `fast-exchange:${quoteId}:fee`,
  out: `fast-exchange:${quoteId}:out`,
});

/** Counts the user's swaps on a pair per UTC day, in base units. */
export const dailySwapCounter = (userId: string, pair: string, day: string) => `fast-exchange:${userId}:${pair}:${day}`;

/**
 * Settles at most one quote per user and Idempotency-Key: the first swap takes it to its maximum, 1, so the key on
 * another quote is refused atomically (naming this counter), even by a swap running at the same moment. A repeat on the
 * same quote is a replay of its stored transfers, which the ledger answers before any counter moves.
 */
export const acceptKeyCounter = (userId: string, idempotencyKey: string) => `fast-exchange:accept:${userId}:${idempotencyKey}`;

export function swapGroup(
  quote: AcceptedQuote,
  context: {
    day: string;
    dailyLimit: bigint | null;
    idempotencyKey: string;
    /** The client chose the key, so it is claimed for this quote (a conversion's key is its quote's id already). */
    claimKey: boolean;
  },
): TransferGroup {
  const user = userAccountName(quote.userId);
  const keys = swapKeys(quote.id);
  const metadata = { type: 'fast_exchange', quote_id: quote.id, pair: quote.pair, idempotency_key: context.idempotencyKey };
  return {
    transfers: [
      {
        kind: 'posted',
        key: keys.in,
        debit: user,
        credit: EXCHANGE_INVENTORY,
        currency: quote.from,
        amount: quote.amountIn - quote.fee,
        metadata,
      },
      ...(quote.fee > 0n
        ? [
            {
              kind: 'posted' as const,
              key: keys.fee,
              debit: user,
              credit: `fees:${quote.from}`,
              currency: quote.from,
              amount: quote.fee,
              metadata,
            },
          ]
        : []),
      {
        kind: 'posted',
        key: keys.out,
        debit: EXCHANGE_INVENTORY,
        credit: user,
        currency: quote.to,
        amount: quote.amountOut,
        metadata,
      },
    ],
    counters: [
      ...(context.claimKey ? [{ key: acceptKeyCounter(quote.userId, context.idempotencyKey), add: 1n, max: 1n }] : []),
      limitCounter(dailySwapCounter(quote.userId, quote.pair, context.day), quote.baseAmount, context.dailyLimit),
    ],
  };
}
