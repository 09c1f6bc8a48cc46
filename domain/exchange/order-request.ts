/**
 * An order as a client asks for it (minor units, checked against the pair) turned into what the engine takes (ticks
 * and lots) and the hold it needs: a buy holds quote (amount × price, or its quote budget for a market buy), a sell
 * holds base. Every refusal names the field, so the API answers with a clear 4xx.
 */
import { DomainError, ErrorCode } from '../errors.js';
import type { RequestFields } from '../idempotency-keys.js';
import type { NewOrder, OrderType, Side, TimeInForce } from './orders.js';
import { MAX_PRICE_TICKS, pairUnits, type Pair } from './pairs.js';
import { extended } from '../objects.js';

export interface OrderRequest {
  side: Side;
  type: OrderType;
  /** Quote minor units per whole base unit; limit orders only. */
  price: bigint | null;
  /** Base minor units; every order but a market buy by quote amount. */
  amount: bigint | null;
  /** Quote minor units to spend; market buys only, instead of amount. */
  quoteAmount: bigint | null;
  timeInForce: TimeInForce;
  postOnly: boolean;
}

/** What an order's Idempotency-Key stands for: the whole request (its callback_url is linked apart, after the order). */
export type OrderTerms = OrderRequest & { pair: string; clientOrderId: string | null };

export const ORDER_TERMS: RequestFields<OrderTerms> = {
  pair: 'pair',
  side: 'side',
  type: 'type',
  price: 'price',
  amount: 'amount',
  quoteAmount: 'quote_amount',
  timeInForce: 'time_in_force',
  postOnly: 'post_only',
  clientOrderId: 'client_order_id',
};

export type EngineOrder = Omit<NewOrder, 'id' | 'owner'>;

export interface CheckedOrder {
  order: EngineOrder;
  hold: { currency: string; amount: bigint };
}

const invalid = (path: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, `${path} ${message}`, [{ path, message }]);

export function checkOrder(pair: Pair, request: OrderRequest): CheckedOrder {
  if (!pair.enabled)
    throw new DomainError(ErrorCode.PairDisabled, `${pair.code} is not trading`, [{ path: 'pair', message: 'is disabled' }]);
  return checkOrderFits(pair, request);
}

/**
 * The order against the pair's sizes and steps, whether or not it trades now: a firing trigger's engine holds a pair
 * loaded at start-up, whose enabled flag may be stale, so the journal transaction reads that flag instead.
 */
export function checkOrderFits(pair: Pair, request: OrderRequest): CheckedOrder {
  const market = request.type === 'market';
  if (market && request.price !== null) throw invalid('price', 'must not be given for a market order');
  if (market && request.postOnly) throw invalid('post_only', 'applies to limit orders only');
  if (market && request.timeInForce === 'GTC') throw invalid('time_in_force', 'must be IOC or FOK for a market order');
  if (request.quoteAmount !== null) {
    if (!market || request.side !== 'buy') throw invalid('quote_amount', 'is for market buys only');
    if (request.amount !== null) throw invalid('amount', 'must not be given with quote_amount');
    if (request.timeInForce === 'FOK') throw invalid('time_in_force', 'FOK needs an amount, not a quote_amount');
    if (request.quoteAmount <= 0n) throw invalid('quote_amount', 'must be greater than zero');
    const order = {
      side: request.side,
      type: request.type,
      price: 0,
      quoteBudget: request.quoteAmount,
      timeInForce: request.timeInForce,
      postOnly: false,
    };
    return {
      order: extended(order, { quantity: Number(pair.maxAmount / pair.lotSize) }),
      hold: { currency: pair.quote, amount: request.quoteAmount },
    };
  }
  if (request.amount === null)
    throw invalid('amount', market && request.side === 'buy' ? 'or quote_amount is required' : 'is required');
  const amount = request.amount;
  if (amount % pair.lotSize !== 0n) throw invalid('amount', `must be a multiple of the lot size (${pair.lotSize} minor units)`);
  if (amount < pair.minAmount)
    throw new DomainError(ErrorCode.AmountBelowMinimum, 'amount is below the minimum', [
      { path: 'amount', message: 'is below the minimum order size' },
    ]);
  if (amount > pair.maxAmount)
    throw new DomainError(ErrorCode.AmountAboveMaximum, 'amount is above the maximum', [
      { path: 'amount', message: 'is above the maximum order size' },
    ]);
  const quantity = Number(amount / pair.lotSize);

  if (market) {
    if (request.side === 'buy') throw invalid('quote_amount', 'is required for a market buy (it holds what it may spend)');
    const order = {
      side: request.side,
      type: request.type,
      price: 0,
      quantity,
      quoteBudget: null,
      timeInForce: request.timeInForce,
      postOnly: false,
    };
    return { order, hold: { currency: pair.base, amount } };
  }
  if (request.price === null) throw invalid('price', 'is required for a limit order');
  const price = request.price;
  if (price <= 0n) throw invalid('price', 'must be greater than zero');
  if (price % pair.tickSize !== 0n) throw invalid('price', `must be a multiple of the tick size (${pair.tickSize} minor units)`);
  const ticks = price / pair.tickSize;
  if (ticks > BigInt(MAX_PRICE_TICKS)) throw invalid('price', 'is too high');
  const order = {
    side: request.side,
    type: request.type,
    price: Number(ticks),
    quantity,
    quoteBudget: null,
    timeInForce: request.timeInForce,
    postOnly: request.postOnly,
  };
  const hold =
    request.side === 'buy'
      ? { currency: pair.quote, amount: BigInt(quantity) * ticks * pairUnits(pair).quotePerLotTick }
      : { currency: pair.base, amount };
  return { order, hold };
}
