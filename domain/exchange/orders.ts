/**
 * The engine's vocabulary: the commands it takes, the trades it makes and what becomes of each order. Prices are
 * ticks and quantities lots (see pairs.ts); the money of a trade is bigint minor units.
 */
export type Side = 'buy' | 'sell';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderType = 'limit' | 'market';

export interface NewOrder {
  id: number;
  owner: string;
  side: Side;
  type: OrderType;
  /** Ticks; ignored for a market order. */
  price: number;
  /** Lots. For a market buy by quote amount, the most lots it may take (the pair's max amount). */
  quantity: number;
  /** A market buy spending at most this many quote minor units; null for every other order. */
  quoteBudget: bigint | null;
  /** A market order is IOC or FOK; FOK needs a quantity, not a quote budget. */
  timeInForce: TimeInForce;
  postOnly: boolean;
}

export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'rejected';

/**
 * Why an order (or what was left of it) left the book without filling: the taker met its owner's own order
 * (self-trade prevention cancels the taker), a post-only order would have taken liquidity, a FOK order could not
 * fill whole, an IOC or market remainder found nothing more, or its owner cancelled it.
 */
export type EndReason = 'self_trade' | 'post_only' | 'unfillable' | 'unmatched' | 'cancelled' | 'duplicate_id';

export interface OrderResult {
  status: OrderStatus;
  reason: EndReason | null;
  /** Lots filled by this command. */
  filled: number;
  /** Lots resting on the book afterwards (0 unless open). */
  resting: number;
}

export type CancelResult =
  { ok: true; side: Side; price: number; remaining: number } | { ok: false; reason: 'not_found' | 'not_owner' };

/**
 * One match. The buyer pays `quote` and receives `base`; each side's fee is taken from what it receives (the buyer's
 * in base, the seller's in quote), at the maker or taker rate, rounded up to a whole minor unit.
 */
export interface Trade {
  id: number;
  price: number;
  quantity: number;
  takerSide: Side;
  takerOrderId: number;
  makerOrderId: number;
  takerOwner: string;
  makerOwner: string;
  base: bigint;
  quote: bigint;
  takerFee: bigint;
  makerFee: bigint;
  /** Lots the maker still has on the book after this trade. */
  makerRemaining: number;
}

/** A price level for market data: its price in ticks and the lots resting there (their sum may pass 2^53). */
export type BookLevel = [ticks: number, lots: bigint];

/** A resting order as a snapshot stores it; a book is restored by inserting these in their stored order. */
export interface RestingOrderState {
  id: number;
  owner: string;
  side: Side;
  price: number;
  remaining: number;
}

export interface EngineSnapshot {
  nextTradeId: number;
  /** Bids best first, then asks best first; within a level in time priority. */
  orders: RestingOrderState[];
}
