/** Orders and trades as the API shows them: decimal strings in each pair's currencies. */
import { z } from '@hono/zod-openapi';
import { formatAmount } from '../../domain/money.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import type { StoredOrder, StoredTrade } from '../../services/exchange/orders-store.js';
import { requireMinorUnits } from '../http/money.js';

export const OrderView = z
  .object({
    id: z.string(),
    pair: z.string(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['limit', 'market']),
    price: z.string().nullable(),
    amount: z.string().nullable(),
    quote_amount: z.string().nullable(),
    time_in_force: z.enum(['GTC', 'IOC', 'FOK']),
    post_only: z.boolean(),
    client_order_id: z.string().nullable(),
    status: z.enum(['new', 'open', 'filled', 'cancelled', 'rejected']),
    reason: z
      .string()
      .nullable()
      .openapi({ description: 'Why it ended unfilled: self_trade, post_only, unfillable, unmatched, cancelled' }),
    filled_amount: z.string(),
    filled_quote: z.string(),
    fee: z.string().openapi({ description: 'In what the order receives: base for a buy, quote for a sell' }),
    held: z.string().openapi({ description: 'Still held for the order (quote for a buy, base for a sell)' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Order');

export const TradeView = z
  .object({
    id: z.string(),
    pair: z.string(),
    price: z.string(),
    amount: z.string(),
    quote_amount: z.string(),
    side: z.enum(['buy', 'sell']).openapi({ description: "The caller's side" }),
    liquidity: z.enum(['maker', 'taker']),
    order_id: z.string(),
    fee: z.string(),
    created_at: z.string(),
  })
  .openapi('Trade');

const scales = (pair: Pair) => ({ base: pair.baseScale, quote: pair.quoteScale });
const optional = (v: bigint | null, scale: number) => (v === null ? null : formatAmount(v, scale));

export function orderView(o: StoredOrder, pair: Pair) {
  const s = scales(pair);
  return {
    id: o.id,
    pair: o.pair,
    side: o.side,
    type: o.type,
    price: optional(o.price, s.quote),
    amount: optional(o.amount, s.base),
    quote_amount: optional(o.quoteAmount, s.quote),
    time_in_force: o.timeInForce,
    post_only: o.postOnly,
    client_order_id: o.clientOrderId,
    status: o.status,
    reason: o.reason,
    filled_amount: formatAmount(o.filledAmount, s.base),
    filled_quote: formatAmount(o.filledQuote, s.quote),
    fee: formatAmount(o.fee, o.side === 'buy' ? s.base : s.quote),
    held: formatAmount(o.held, o.side === 'buy' ? s.quote : s.base),
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

/** A trade from one participant's side (a user may only see their own). */
export function tradeView(t: StoredTrade, pair: Pair, userId: string) {
  const side = t.buyerId === userId ? 'buy' : 'sell';
  return {
    id: t.id,
    pair: t.pair,
    price: formatAmount(t.price, pair.quoteScale),
    amount: formatAmount(t.amount, pair.baseScale),
    quote_amount: formatAmount(t.quoteAmount, pair.quoteScale),
    side,
    liquidity: t.takerSide === side ? 'taker' : 'maker',
    order_id: side === 'buy' ? t.buyOrderId : t.sellOrderId,
    fee: side === 'buy' ? formatAmount(t.buyerFee, pair.baseScale) : formatAmount(t.sellerFee, pair.quoteScale),
    created_at: t.createdAt.toISOString(),
  } as const;
}

/** A decimal field in one of the pair's currencies, or null when absent. */
export function minorUnits(text: string | undefined, scale: number, field: string): bigint | null {
  return text === undefined ? null : requireMinorUnits(text, scale, field);
}
