/**
 * Fast exchange: a quote fixes the rate, fee and both amounts for the pair's TTL; accepting it settles the swap as one
 * ledger group against the exchange's inventory, once the pair and the user's settings still allow it (an operator's
 * switch and the per-swap limits apply at accept; the price and fee stay the quote's). The quote's id keys the group,
 * so a quote settles at most once, and a repeated accept (same Idempotency-Key or not) answers with the swap already
 * made, even after the quote expired or today's rules would refuse it; a key that settled one quote cannot settle
 * another (409).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { acceptKeyCounter, EXCHANGE_INVENTORY, swapGroup, swapKeys } from '../../domain/fast-exchange/ledger.js';
import { quoteForAmountIn, quoteForAmountOut, swapRate } from '../../domain/fast-exchange/quote.js';
import { checkSwapLimits, FAST_EXCHANGE_SETTINGS, type FastExchangeSettings } from '../../domain/fast-exchange/settings.js';
import { PPM } from '../../domain/fees.js';
import { ledgerRefusal, moreThanAvailable, type TransferGroup } from '../../domain/ledger/engine.js';
import { formatAmount, formatAmountForPeople } from '../../domain/money.js';
import { formatRate } from '../../domain/rates/rate.js';
import { retryOnRace } from '../../platform/db/batch-queue.js';
import type { Sql } from '../../platform/db/client.js';
import { commitGroups, type GroupOutcome } from '../ledger/journal.js';
import { transferByKey } from '../ledger/queries.js';
import type { LedgerWriter, WithGroup } from '../ledger/writer.js';
import { orderId, publishOrderUpdate, type OrderCallback } from '../orders/client.js';
import type { CurrentRates, RatePairRow } from '../rates/client.js';
import type { SettingsResolver } from '../settings/client.js';
import type { Principal, UserDirectory } from '../users-auth/client.js';
import { publishEvent } from '../webhooks/client.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import type { QuoteWriter, StoredQuote } from './quotes-store.js';

export interface FastExchangeDeps {
  sql: Sql;
  ledger: LedgerWriter;
  rates: CurrentRates;
  settings: SettingsResolver;
  users: UserDirectory;
  quotes: QuoteWriter;
  currencies: CurrencyCatalog;
}

export interface QuoteRequest {
  userId: string;
  from: Currency;
  to: Currency;
  /** Exactly one: what the user pays, or what they want to receive. */
  amount: { field: 'amount_in'; value: bigint } | { field: 'amount_out'; value: bigint };
  /** The quote's id when the caller fixes it (a repeat); a random one otherwise. */
  id?: string;
  /** Linked to the quote as it is stored, and told once the quote is accepted (the swap is the order). */
  callback?: OrderCallback;
}

export type QuoteStatus = 'open' | 'accepted' | 'expired';

export interface AcceptedSwap {
  quote: StoredQuote;
  acceptedAt: Date;
  replayed: boolean;
}

/** Prices and stores a quote; answers the quote stored under its id (another's, when a request with its id stored first). */
export async function createQuote(deps: FastExchangeDeps, request: QuoteRequest): Promise<StoredQuote> {
  return deps.quotes.save(await priceQuote(deps, request), request.callback);
}

/** A quote for the request at the current rate, fee and limits (not stored yet). */
async function priceQuote(deps: FastExchangeDeps, request: QuoteRequest): Promise<StoredQuote> {
  const { from, to, amount } = request;
  if (from.code === to.code)
    throw new DomainError(ErrorCode.ValidationFailed, 'from and to must differ', [{ path: 'to', message: 'same as from' }]);
  const { pair, settings } = await openPair(deps, from.code, to.code, request.userId);
  // a fee of 100% (settings allow it) takes all of any amount_in: no amount buys anything, and none buys an amount_out
  if (settings.feePpm >= PPM) {
    throw new DomainError(ErrorCode.AmountBelowMinimum, `the fee on ${pair.code} takes the whole amount`, [
      { path: amount.field, message: 'buys nothing at a fee of 100%' },
    ]);
  }
  const current = await deps.rates.usable(pair.code);
  const terms = {
    rate: swapRate(pair, from.code, current.mid, current.spreadPpm),
    feePpm: settings.feePpm,
    fromScale: from.scale,
    toScale: to.scale,
  };
  const amounts = amount.field === 'amount_in' ? quoteForAmountIn(amount.value, terms) : quoteForAmountOut(amount.value, terms);
  if (amounts.amountOut === 0n) {
    throw new DomainError(ErrorCode.AmountBelowMinimum, `too small to buy one minor unit of ${to.code}`, [
      { path: amount.field, message: 'too small' },
    ]);
  }
  const baseAmount = from.code === pair.base ? amounts.amountIn : amounts.amountOut;
  const refusal = checkSwapLimits(baseAmount, settings, pair.code, amount.field);
  if (refusal) throw refusal;
  const now = new Date();
  return {
    id: request.id ?? randomUUID(),
    userId: request.userId,
    pair: pair.code,
    from: from.code,
    to: to.code,
    ...amounts,
    rate: terms.rate,
    baseAmount,
    expiresAt: new Date(now.getTime() + settings.quoteTtlSeconds * 1000),
    createdAt: now,
  };
}

/**
 * Repeats a quote: a new quote from the same currencies and `amount_in`, priced now (today's rate, spread, fee and
 * limits), to be accepted like any other. Its id is derived from the user and the Idempotency-Key, so repeating the
 * request with the same key answers with the same new quote (`replayed`) instead of pricing another.
 */
export async function repeatQuote(
  deps: FastExchangeDeps,
  request: {
    userId: string;
    original: StoredQuote;
    idempotencyKey: string;
    from: Currency;
    to: Currency;
    callback?: OrderCallback;
  },
): Promise<{ quote: StoredQuote; replayed: boolean }> {
  const id = uuidFrom(`quote-repeat:${request.userId}:${request.idempotencyKey}`);
  const replay = (first: StoredQuote) => {
    if (first.from !== request.original.from || first.to !== request.original.to || first.amountIn !== request.original.amountIn)
      throw new DomainError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used to repeat a different quote');
    return { quote: first, replayed: true };
  };
  const existing = await deps.quotes.find(id);
  if (existing) return replay(existing);
  const { userId, from, to, callback } = request;
  const quote = await priceQuote(deps, {
    id,
    userId,
    from,
    to,
    amount: { field: 'amount_in', value: request.original.amountIn },
  });
  const stored = await deps.quotes.save(quote, callback);
  // a repeat under the same key racing this one stored its quote first: this one is answered as its repeat
  return stored === quote ? { quote, replayed: false } : replay(stored);
}

interface OpenPair {
  pair: RatePairRow;
  settings: FastExchangeSettings;
  principal: Principal | null;
}

/**
 * The pair between two currencies and the user's settings on it, refusing a pair or a user that fast exchange is off
 * for: what a quote asks, and its accept asks again (an operator's switch applies to quotes already given).
 */
async function openPair(deps: FastExchangeDeps, from: string, to: string, userId: string): Promise<OpenPair> {
  const pair = await deps.rates.pairBetween(from, to);
  if (!pair) {
    throw new DomainError(ErrorCode.UnknownPair, `no pair exchanges ${from} and ${to}`, [
      { path: 'to', message: `no pair with ${from}` },
    ]);
  }
  const principal = await deps.users.principal(userId);
  const settings = await deps.settings.resolve(FAST_EXCHANGE_SETTINGS, pair.code, principal);
  if (!pair.enabled || !settings.enabled) {
    throw new DomainError(ErrorCode.PairDisabled, `fast exchange on ${pair.code} is disabled`, [
      { path: 'to', message: 'disabled' },
    ]);
  }
  return { pair, settings, principal };
}

/**
 * A swap at the current rate, made for the user by Sluice rather than asked for (a deposit converted on arrival): a
 * quote for `amountIn`, accepted at once, through the same pricing, fee, limits and ledger group as the user's own.
 * Keyed by `key`: the quote's id and the accept's idempotency key follow from it, so running it again (a retried
 * activity) answers with the swap already made. A refusal (no pair, pair disabled, rate unavailable, limits,
 * inventory short) is the DomainError the user would get.
 */
export async function convertAtCurrentRate(
  deps: FastExchangeDeps,
  request: { userId: string; from: Currency; to: Currency; amountIn: bigint; key: string },
): Promise<AcceptedSwap> {
  const id = uuidFrom(`conversion:${request.key}`);
  const { userId, from, to } = request;
  const quote =
    (await deps.quotes.find(id)) ??
    (await createQuote(deps, { id, userId, from, to, amount: { field: 'amount_in', value: request.amountIn } }));
  // the key made the quote's id: it cannot name another quote, so there is no key to claim
  return swapQuote(deps, quote, { idempotencyKey: request.key, claimKey: false });
}

/** A UUID (version 4 layout) from a SHA-256 of `text`: the same text, the same id. */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The caller's quote, or a 404 (another user's quote is not theirs to see). */
export async function ownQuote(deps: Pick<FastExchangeDeps, 'quotes'>, userId: string, quoteId: string): Promise<StoredQuote> {
  const quote = await deps.quotes.find(quoteId);
  if (!quote || quote.userId !== userId) throw new DomainError(ErrorCode.NotFound, 'no such quote');
  return quote;
}

/** Whether the quote was accepted (and when), is still open, or expired unaccepted. */
export async function quoteStatus(
  deps: Pick<FastExchangeDeps, 'sql'>,
  quote: StoredQuote,
): Promise<{ status: QuoteStatus; acceptedAt: Date | null }> {
  const settled = await transferByKey(deps.sql, swapKeys(quote.id).in);
  if (settled) return { status: 'accepted', acceptedAt: settled.createdAt };
  return { status: quote.expiresAt.getTime() < Date.now() ? 'expired' : 'open', acceptedAt: null };
}

/** Accepts the caller's quote under their Idempotency-Key, which then belongs to this quote: on another, a 409. */
export async function acceptQuote(
  deps: FastExchangeDeps,
  request: { userId: string; quoteId: string; idempotencyKey: string },
): Promise<AcceptedSwap> {
  const quote = await ownQuote(deps, request.userId, request.quoteId);
  return swapQuote(deps, quote, { idempotencyKey: request.idempotencyKey, claimKey: true });
}

/** Settles the quote if it is still acceptable (stillAcceptable); a refusal answers with its swap if it settled before. */
async function swapQuote(
  deps: FastExchangeDeps,
  quote: StoredQuote,
  key: { idempotencyKey: string; claimKey: boolean },
): Promise<AcceptedSwap> {
  let principal: Principal | null;
  let settings: FastExchangeSettings;
  try {
    ({ principal, settings } = await stillAcceptable(deps, quote));
  } catch (error) {
    // a quote that settled before today's rules refused it (or before it expired) still answers with its swap
    if (!(error instanceof DomainError)) throw error;
    const settled = await transferByKey(deps.sql, swapKeys(quote.id).in);
    if (settled) return { quote, acceptedAt: settled.createdAt, replayed: true };
    throw error;
  }
  const day = new Date().toISOString().slice(0, 10);
  // a quote given a callback (linked as it was stored, before it was answered) is told of its swap in the swap's
  // transaction; only then does the swap bring statements to its ledger batch
  const order = orderId('ex', quote.id);
  const tell: WithGroup | undefined = (await deps.quotes.hasCallback(quote.id))
    ? (tx) => publishOrderUpdate(tx, order)
    : undefined;
  const group = swapGroup(quote, { day, dailyLimit: settings.dailyLimit, ...key });
  const outcome = await settle(deps, principal, quote, group, tell);
  if (!outcome.ok) {
    if (outcome.error.code === ErrorCode.InsufficientFunds && outcome.error.subject === EXCHANGE_INVENTORY) {
      throw new DomainError(
        ErrorCode.InventoryInsufficient,
        `the exchange cannot cover ${quote.to} for this swap right now; try a smaller amount or later`,
      );
    }
    if (outcome.error.subject === acceptKeyCounter(quote.userId, key.idempotencyKey)) {
      throw new DomainError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used to accept a different quote');
    }
    const funds = outcome.error.code === ErrorCode.InsufficientFunds ? await quoteNotCovered(deps, quote) : undefined;
    throw ledgerRefusal(outcome.error, { limit: ErrorCode.DailyLimitExceeded, funds });
  }
  return { quote, acceptedAt: outcome.transfers[0]!.createdAt, replayed: outcome.replayed };
}

/** Insufficient funds name the quote (the path's `id`): its amount_in, fixed when it was made, is what the payer lacks. */
async function quoteNotCovered(deps: Pick<FastExchangeDeps, 'currencies'>, quote: StoredQuote) {
  const from = (await deps.currencies.get(quote.from))!;
  const amountIn = `${formatAmountForPeople(quote.amountIn, from.scale)} ${quote.from}`;
  return moreThanAvailable('id', `is a quote whose amount_in (${amountIn}) is more than your available balance`);
}

/**
 * What a quote is checked against again when it is accepted: not expired, the pair and the user still enabled, its
 * amount within today's per-swap limits (its price and fee are what the quote locked). The daily limit is the
 * ledger's, atomically.
 */
async function stillAcceptable(deps: FastExchangeDeps, quote: StoredQuote): Promise<OpenPair> {
  if (quote.expiresAt.getTime() < Date.now()) {
    throw new DomainError(ErrorCode.QuoteExpired, `the quote expired at ${quote.expiresAt.toISOString()}; ask for a new one`);
  }
  const open = await openPair(deps, quote.from, quote.to, quote.userId);
  const field = quote.from === open.pair.base ? 'amount_in' : 'amount_out';
  const refusal = checkSwapLimits(quote.baseAmount, open.settings, quote.pair, field);
  if (refusal) throw refusal;
  return open;
}

/**
 * A merchant's swap is told to their webhook endpoints (`exchange.completed`), published in the transaction that
 * settles it, so the event exists exactly when the swap does. Anyone else's goes through the ledger's batching writer.
 * `tell`, the quote's callback, goes in the swap's transaction either way.
 */
async function settle(
  deps: FastExchangeDeps,
  principal: Principal | null,
  quote: StoredQuote,
  group: TransferGroup,
  tell: WithGroup | undefined,
): Promise<GroupOutcome> {
  if (principal?.role !== 'merchant') return deps.ledger.submit(group, tell);
  const [from, to] = [await deps.currencies.get(quote.from), await deps.currencies.get(quote.to)];
  return retryOnRace(() =>
    deps.sql.begin(async (tx) => {
      const [outcome] = await commitGroups(tx, [group]);
      if (outcome!.ok && !outcome!.replayed) {
        await publishEvent(tx, {
          id: `exchange:${quote.id}:completed`,
          merchantId: quote.userId,
          type: 'exchange.completed',
          data: {
            quote_id: quote.id,
            from_currency: quote.from,
            to_currency: quote.to,
            amount_in: formatAmount(quote.amountIn, from!.scale),
            amount_out: formatAmount(quote.amountOut, to!.scale),
            fee: formatAmount(quote.fee, from!.scale),
            rate: formatRate(quote.rate),
          },
        });
        await tell?.(tx, outcome!.transfers);
      }
      return outcome!;
    }),
  );
}
