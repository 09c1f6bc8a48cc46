/**
 * Trigger orders (stop-market, stop-limit, take-profit) wait outside the matcher, as exchange-core's maintainer
 * advises: a per-pair trigger book, kept by the engine process, is checked against each new last price, and only the
 * triggers that fire are handed on. A stop fires when the price moves against the position (a sell stop when it
 * falls to its trigger, a buy stop when it rises to it); a take-profit when it moves in favour.
 */
import type { OrderRequest } from './order-request.js';
import type { Side } from './orders.js';

export const TRIGGER_KINDS = ['stop_market', 'stop_limit', 'take_profit'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

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

export interface PendingTrigger {
  id: number;
  kind: TriggerKind;
  side: Side;
  /** Quote minor units per whole base unit. */
  triggerPrice: bigint;
}

export const triggerHoldKey = (id: number | string) => `trigger:${id}:hold`;
export const triggerReleaseKey = (id: number | string) => `trigger:${id}:release`;
/** The placed order's Idempotency-Key: firing twice places one order. */
export const triggerOrderKey = (id: number | string) => `trigger:${id}`;

/** 'rise': fires when the last price reaches the trigger from below; 'fall': from above. */
export function direction(kind: TriggerKind, side: Side): 'rise' | 'fall' {
  const stop = kind !== 'take_profit';
  return (side === 'buy') === stop ? 'rise' : 'fall';
}

/** Pending triggers of one pair in two sorted lists, so a price change looks only at those it crosses. */
export class TriggerBook<T extends PendingTrigger = PendingTrigger> {
  /** Ascending: the first ones fire when the price rises. */
  private readonly rising: T[] = [];
  /** Descending: the first ones fire when the price falls. */
  private readonly falling: T[] = [];

  add(trigger: T): void {
    if (this.has(trigger.id)) return;
    const rise = direction(trigger.kind, trigger.side) === 'rise';
    const list = rise ? this.rising : this.falling;
    const before = (t: T) => (rise ? t.triggerPrice > trigger.triggerPrice : t.triggerPrice < trigger.triggerPrice);
    const index = list.findIndex(before);
    list.splice(index === -1 ? list.length : index, 0, trigger);
  }

  remove(id: number): boolean {
    for (const list of [this.rising, this.falling]) {
      const index = list.findIndex((t) => t.id === id);
      if (index !== -1) {
        list.splice(index, 1);
        return true;
      }
    }
    return false;
  }

  has(id: number): boolean {
    return this.rising.some((t) => t.id === id) || this.falling.some((t) => t.id === id);
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
