/**
 * Trigger orders (stop-market, stop-limit, take-profit, OCO) wait outside the matcher, as exchange-core's maintainer
 * advises: a per-pair trigger book, kept by the engine process, is checked against each new last price, and only the
 * triggers that fire are handed on. A stop fires when the price moves against the position (a sell stop when it
 * falls to its trigger, a buy stop when it rises to it); a take-profit when it moves in favour. An OCO is a
 * take-profit and a stop on one position with one hold: two legs in the book under one trigger id, so whichever
 * fires first places the one order the trigger may place, and the other leg goes with it.
 */
import { DomainError, ErrorCode } from '../errors.js';
import { systemKey, type RequestFields } from '../idempotency-keys.js';
import type { OrderRequest } from './order-request.js';
import type { Side } from './orders.js';
import type { Pair } from './pairs.js';

export const TRIGGER_KINDS = ['stop_market', 'stop_limit', 'take_profit', 'oco'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];
/** What one leg in the trigger book is: a single trigger has one leg of its own kind, an OCO a take-profit and a stop. */
export type TriggerLegKind = Exclude<TriggerKind, 'oco'>;

/** What a trigger places once it fires: a market order, or a limit order at `price`. */
export function triggeredOrder(t: {
  side: Side;
  price: bigint | null;
  amount: bigint | null;
  quoteAmount: bigint | null;
}): OrderRequest {
  const market = t.price === null;
  return {
    side: t.side,
    type: market ? 'market' : 'limit',
    price: t.price,
    amount: t.amount,
    quoteAmount: t.quoteAmount,
    timeInForce: market ? 'IOC' : 'GTC',
    postOnly: false,
  };
}

/** A trigger as stored: an OCO's take-profit leg in `triggerPrice`/`price`, its stop leg in `stopPrice`/`stopLimitPrice`. */
export interface TriggerSpec {
  kind: TriggerKind;
  side: Side;
  triggerPrice: bigint;
  price: bigint | null;
  stopPrice: bigint | null;
  stopLimitPrice: bigint | null;
  amount: bigint | null;
  quoteAmount: bigint | null;
}

/** What a trigger's Idempotency-Key stands for: the whole request (its callback_url is linked apart, after the trigger). */
export const TRIGGER_TERMS: RequestFields<TriggerSpec & { pair: string }> = {
  pair: 'pair',
  kind: 'kind',
  side: 'side',
  triggerPrice: 'trigger_price',
  price: 'price',
  stopPrice: 'stop_price',
  stopLimitPrice: 'stop_limit_price',
  amount: 'amount',
  quoteAmount: 'quote_amount',
};

export interface TriggerLeg {
  kind: TriggerLegKind;
  triggerPrice: bigint;
  request: OrderRequest;
}

/** The legs a trigger waits with: one, or an OCO's two (both selling, or both buying, the same amount). */
export function triggerLegs(t: TriggerSpec): TriggerLeg[] {
  if (t.kind !== 'oco') return [{ kind: t.kind, triggerPrice: t.triggerPrice, request: triggeredOrder(t) }];
  return [
    { kind: 'take_profit', triggerPrice: t.triggerPrice, request: triggeredOrder(t) },
    {
      kind: t.stopLimitPrice === null ? 'stop_market' : 'stop_limit',
      triggerPrice: t.stopPrice!,
      request: triggeredOrder({ ...t, price: t.stopLimitPrice }),
    },
  ];
}

/**
 * Why an OCO's two trigger prices cannot guard one position, or null: the take-profit must lie on the favourable side
 * of the stop (above it for a sell, below it for a buy), so no single price fires both.
 */
export function ocoPricesProblem(side: Side, takeProfit: bigint, stop: bigint): string | null {
  if (side === 'sell' && !(stop < takeProfit)) return 'must be below trigger_price (the take-profit) for a sell';
  if (side === 'buy' && !(stop > takeProfit)) return 'must be above trigger_price (the take-profit) for a buy';
  return null;
}

const invalidTrigger = (path: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, `${path} ${message}`, [{ path, message }]);

/** A trigger's prices against its pair and its kind: what each kind needs, and an OCO's legs on either side. */
export function checkTrigger(pair: Pair, t: TriggerSpec): void {
  const onTick = (price: bigint | null) => price === null || (price > 0n && price % pair.tickSize === 0n);
  for (const [path, price] of [
    ['trigger_price', t.triggerPrice],
    ['stop_price', t.stopPrice],
  ] as const) {
    if (!onTick(price)) throw invalidTrigger(path, `must be a positive multiple of the tick size (${pair.tickSize} minor units)`);
  }
  // a stop-limit places a limit order, a stop-market a market order; a take-profit (and an OCO's) either
  const priceProblem =
    t.kind === 'stop_limit' && t.price === null
      ? 'is required'
      : t.kind === 'stop_market' && t.price !== null
        ? 'must not be given'
        : null;
  if (priceProblem) throw invalidTrigger('price', priceProblem);
  if (t.kind !== 'oco') {
    if (t.stopPrice !== null) throw invalidTrigger('stop_price', 'is for OCO triggers only');
    if (t.stopLimitPrice !== null) throw invalidTrigger('stop_limit_price', 'is for OCO triggers only');
    return;
  }
  if (t.stopPrice === null) throw invalidTrigger('stop_price', 'is required for an OCO (its stop leg)');
  const problem = ocoPricesProblem(t.side, t.triggerPrice, t.stopPrice);
  if (problem) throw invalidTrigger('stop_price', problem);
}

export interface PendingTrigger {
  id: number;
  kind: TriggerLegKind;
  side: Side;
  /** Quote minor units per whole base unit. */
  triggerPrice: bigint;
}

export const triggerHoldKey = (id: number | string) => `trigger:${id}:hold`;
export const triggerReleaseKey = (id: number | string) => `trigger:${id}:release`;
/**
 * The placed order's Idempotency-Key: firing twice places one order. A system key, so no client's order can hold it (a
 * client's order under `trigger:<id>`, this key before, was taken for the trigger's own and left it pending for good).
 */
export const triggerOrderKey = (id: number | string) => systemKey(`trigger:${id}`);

/** 'rise': fires when the last price reaches the trigger from below; 'fall': from above. */
export function direction(kind: TriggerLegKind, side: Side): 'rise' | 'fall' {
  const stop = kind !== 'take_profit';
  return (side === 'buy') === stop ? 'rise' : 'fall';
}

/**
 * Pending triggers of one pair in two sorted lists, so a price change looks only at those it crosses. An id is in
 * each list at most once: an OCO's legs lie in opposite directions, one in each.
 */
export class TriggerBook<T extends PendingTrigger = PendingTrigger> {
  /** Ascending: the first ones fire when the price rises. */
  private readonly rising: T[] = [];
  /** Descending: the first ones fire when the price falls. */
  private readonly falling: T[] = [];

  add(trigger: T): void {
    const rise = direction(trigger.kind, trigger.side) === 'rise';
    const list = rise ? this.rising : this.falling;
    if (list.some((t) => t.id === trigger.id)) return;
    const before = (t: T) => (rise ? t.triggerPrice > trigger.triggerPrice : t.triggerPrice < trigger.triggerPrice);
    const index = list.findIndex(before);
    list.splice(index === -1 ? list.length : index, 0, trigger);
  }

  /** Removes every leg of trigger `id`. */
  remove(id: number): boolean {
    let removed = false;
    for (const list of [this.rising, this.falling]) {
      const index = list.findIndex((t) => t.id === id);
      if (index !== -1) {
        list.splice(index, 1);
        removed = true;
      }
    }
    return removed;
  }

  get size(): number {
    return this.rising.length + this.falling.length;
  }

  /** Removes and returns the triggers the last price reaches, in the order they were crossed. */
  crossed(lastPrice: bigint): T[] {
    let rose = 0;
    while (rose < this.rising.length && this.rising[rose]!.triggerPrice <= lastPrice) rose++;
    let fell = 0;
    while (fell < this.falling.length && this.falling[fell]!.triggerPrice >= lastPrice) fell++;
    return [...this.rising.splice(0, rose), ...this.falling.splice(0, fell)];
  }
}
