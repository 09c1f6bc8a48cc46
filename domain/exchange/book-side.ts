/**
 * One side of an order book: price levels kept in an array ordered worst → best, so the best level is the last
 * element (matching pops it in O(1)) and new levels, which mostly arrive near the top, are spliced in close to the
 * end. Each level is a FIFO of resting orders as an intrusive doubly linked list, so a cancel unlinks in O(1).
 */
import type { Side } from './orders.js';

export class RestingOrder {
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;

  constructor(
    readonly id: number,
    readonly owner: string,
    readonly side: Side,
    readonly price: number,
    public remaining: number,
    readonly level: Level,
  ) {}
}

export class Level {
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
  /** Lots resting at this price: a bigint, since many orders of up to 2^53 - 1 lots each can rest at one price. */
  total = 0n;

  constructor(readonly price: number) {}

  append(order: RestingOrder): void {
    order.prev = this.tail;
    if (this.tail) this.tail.next = order;
    else this.head = order;
    this.tail = order;
    this.total += BigInt(order.remaining);
  }

  unlink(order: RestingOrder): void {
    if (order.prev) order.prev.next = order.next;
    else this.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else this.tail = order.prev;
    order.prev = order.next = null;
    // a filled maker leaves with nothing: no conversion for it
    if (order.remaining !== 0) this.total -= BigInt(order.remaining);
  }
}

export class BookSide {
  /** Worst → best: bids ascending, asks descending. */
  readonly levels: Level[] = [];
  private readonly byPrice = new Map<number, Level>();

  constructor(readonly side: Side) {}

  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Whether a taker on the other side with this limit price reaches `level` (a market taker reaches every level). */
  reachable(level: Level, limit: number, market: boolean): boolean {
    if (market) return true;
    return this.side === 'sell' ? level.price <= limit : level.price >= limit;
  }

  /** Lots resting at `price` (0 when no level is there). */
  totalAt(price: number): bigint {
    return this.byPrice.get(price)?.total ?? 0n;
  }

  levelAt(price: number): Level {
    let level = this.byPrice.get(price);
    if (!level) {
      level = new Level(price);
      this.byPrice.set(price, level);
      this.levels.splice(this.insertionIndex(price), 0, level);
    }
    return level;
  }

  removeIfEmpty(level: Level): void {
    if (level.head) return;
    this.byPrice.delete(level.price);
    const last = this.levels.length - 1;
    if (this.levels[last] === level) this.levels.pop();
    else this.levels.splice(this.insertionIndex(level.price) - 1, 1);
  }

  /** Number of levels strictly worse than or equal to `price`: where a new level at `price` goes. */
  private insertionIndex(price: number): number {
    const ascending = this.side === 'buy';
    let low = 0;
    let high = this.levels.length;
    // scan from the top first: most prices land within a few levels of the best
    while (high > low && high > this.levels.length - 8) {
      const candidate = this.levels[high - 1]!.price;
      if (ascending ? candidate <= price : candidate >= price) return high;
      high--;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      const candidate = this.levels[middle]!.price;
      if (ascending ? candidate <= price : candidate >= price) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
