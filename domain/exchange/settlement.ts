/**
 * The ledger side of the exchange. Placing an order holds its funds (pending: user → escrow:orders). A trade settles
 * as one group of linked transfers: part of the buyer's hold is posted (quote), part of the seller's (base), and the
 * escrow pays each side what it bought less its fee, the fees going to `fees:<currency>`.
 *
 * A pending transfer resolves once (a post may be partial; the rest is released), so an order that fills in parts
 * holds in a chain: each fill posts hold k and, while the order stays open, re-holds the rest as hold k+1 in the same
 * group. Every key derives from the order id, the hold index or the trade id, all decided by replaying the journal, so
 * settling the same command twice (after a crash) replays the same keys and moves nothing twice.
 */
import { userAccountName, type TransferGroup, type TransferRequest } from '../ledger/engine.js';
import type { CancelResult, EndReason, OrderResult, Side, Trade } from './orders.js';

export const ORDER_ESCROW = 'escrow:orders';
export const feeAccount = (currency: string) => `fees:${currency}`;
export const holdKey = (orderId: number, index: number) => `order:${orderId}:hold:${index}`;
export const releaseKey = (orderId: number) => `order:${orderId}:release`;

export type OrderState = 'open' | 'filled' | 'cancelled' | 'rejected';

/** An order's money while it lives: its current hold and what it has filled. Snapshots keep it for open orders. */
export interface OrderFunds {
  orderId: number;
  userId: string;
  side: Side;
  holdCurrency: string;
  /** The current pending hold, `holdKey(orderId, holdIndex)`; 0 once nothing is held. */
  held: bigint;
  holdIndex: number;
  filledBase: bigint;
  filledQuote: bigint;
  /** Paid in what the order receives: base for a buy, quote for a sell. */
  fee: bigint;
  status: OrderState;
  reason: EndReason | null;
}

export interface MarketCurrencies {
  code: string;
  base: string;
  quote: string;
}

/** What settling a command changes: ledger groups in order, and the orders' new state (absolute, so replays agree). */
export interface SettlementPlan {
  groups: TransferGroup[];
  orders: OrderFunds[];
  trades: Trade[];
}

export function initialFunds(
  orderId: number,
  userId: string,
  side: Side,
  hold: { currency: string; amount: bigint },
): OrderFunds {
  return {
    orderId,
    userId,
    side,
    holdCurrency: hold.currency,
    held: hold.amount,
    holdIndex: 0,
    filledBase: 0n,
    filledQuote: 0n,
    fee: 0n,
    status: 'open',
    reason: null,
  };
}

export function holdGroup(funds: OrderFunds, pair: string): TransferGroup {
  return {
    transfers: [
      {
        kind: 'pending',
        key: holdKey(funds.orderId, 0),
        debit: userAccountName(funds.userId),
        credit: ORDER_ESCROW,
        currency: funds.holdCurrency,
        amount: funds.held,
        metadata: { type: 'order_hold', order_id: String(funds.orderId), pair },
      },
    ],
  };
}

/**
 * Settles a placed order's result: one group per trade, then the release of its hold if it ended without trading.
 * `book` holds the funds of resting orders (makers); it gains the taker if it rests and loses orders that end.
 */
export function planPlacement(
  pair: MarketCurrencies,
  book: Map<number, OrderFunds>,
  taker: OrderFunds,
  result: OrderResult,
  trades: Trade[],
): SettlementPlan {
  const groups: TransferGroup[] = [];
  const touched = new Map<number, OrderFunds>();
  trades.forEach((trade, i) => {
    const maker = book.get(trade.makerOrderId);
    if (!maker) throw new Error(`no funds for maker order ${trade.makerOrderId} of ${pair.code}`);
    const takerDone = i === trades.length - 1 && result.status !== 'open';
    groups.push(tradeGroup(pair, trade, taker, maker, takerDone));
    maker.status = trade.makerRemaining === 0 ? 'filled' : 'open';
    touched.set(maker.orderId, maker);
    if (maker.status !== 'open') book.delete(maker.orderId);
  });
  taker.status = result.status;
  taker.reason = result.reason;
  if (result.status !== 'open' && trades.length === 0 && taker.held > 0n) groups.push(releaseGroup(taker));
  if (result.status === 'open') book.set(taker.orderId, taker);
  touched.set(taker.orderId, taker);
  return { groups, orders: [...touched.values()], trades };
}

/** Settles a cancel: the rest of the order's hold goes back to its owner. */
export function planCancel(book: Map<number, OrderFunds>, orderId: number, result: CancelResult): SettlementPlan {
  const funds = book.get(orderId);
  if (!result.ok || !funds) return { groups: [], orders: [], trades: [] };
  book.delete(orderId);
  funds.status = 'cancelled';
  funds.reason = 'cancelled';
  const groups = funds.held > 0n ? [releaseGroup(funds)] : [];
  return { groups, orders: [funds], trades: [] };
}

function releaseGroup(funds: OrderFunds): TransferGroup {
  const group: TransferGroup = {
    transfers: [{ kind: 'void', key: releaseKey(funds.orderId), pendingKey: holdKey(funds.orderId, funds.holdIndex) }],
  };
  funds.held = 0n;
  return group;
}

function tradeGroup(
  pair: MarketCurrencies,
  trade: Trade,
  taker: OrderFunds,
  maker: OrderFunds,
  takerDone: boolean,
): TransferGroup {
  const [buyer, seller] = trade.takerSide === 'buy' ? [taker, maker] : [maker, taker];
  const buyerFee = trade.takerSide === 'buy' ? trade.takerFee : trade.makerFee;
  const sellerFee = trade.takerSide === 'buy' ? trade.makerFee : trade.takerFee;
  const prefix = `trade:${pair.code}:${trade.id}`;
  const metadata = { type: 'trade', pair: pair.code, trade_id: String(trade.id) };
  const buyerDone = buyer === taker ? takerDone : trade.makerRemaining === 0;
  const sellerDone = seller === taker ? takerDone : trade.makerRemaining === 0;
  const transfers: TransferRequest[] = [
    ...consume(buyer, trade.quote, buyerDone, `${prefix}:buyer`, metadata),
    ...consume(seller, trade.base, sellerDone, `${prefix}:seller`, metadata),
    ...pay(`${prefix}:to-buyer`, userAccountName(buyer.userId), pair.base, trade.base - buyerFee, metadata),
    ...pay(`${prefix}:buyer-fee`, feeAccount(pair.base), pair.base, buyerFee, metadata),
    ...pay(`${prefix}:to-seller`, userAccountName(seller.userId), pair.quote, trade.quote - sellerFee, metadata),
    ...pay(`${prefix}:seller-fee`, feeAccount(pair.quote), pair.quote, sellerFee, metadata),
  ];
  buyer.filledBase += trade.base;
  buyer.filledQuote += trade.quote;
  buyer.fee += buyerFee;
  seller.filledBase += trade.base;
  seller.filledQuote += trade.quote;
  seller.fee += sellerFee;
  return { transfers };
}

/** Posts `amount` of the order's hold; an order still open re-holds what is left, one that is done lets it go. */
function consume(
  funds: OrderFunds,
  amount: bigint,
  done: boolean,
  key: string,
  metadata: Record<string, string>,
): TransferRequest[] {
  const transfers: TransferRequest[] = [
    { kind: 'post', key: `${key}-post`, pendingKey: holdKey(funds.orderId, funds.holdIndex), amount, metadata },
  ];
  const rest = funds.held - amount;
  if (rest < 0n) throw new Error(`order ${funds.orderId} would spend more than it holds`);
  funds.held = 0n;
  if (!done && rest > 0n) {
    funds.holdIndex += 1;
    funds.held = rest;
    transfers.push({
      kind: 'pending',
      key: holdKey(funds.orderId, funds.holdIndex),
      debit: userAccountName(funds.userId),
      credit: ORDER_ESCROW,
      currency: funds.holdCurrency,
      amount: rest,
      metadata,
    });
  }
  return transfers;
}

function pay(key: string, to: string, currency: string, amount: bigint, metadata: Record<string, string>): TransferRequest[] {
  return amount > 0n ? [{ kind: 'posted', key, debit: ORDER_ESCROW, credit: to, currency, amount, metadata }] : [];
}
