/**
 * A market as its journal defines it: the matching engine plus the funds of its open orders, advanced one journaled
 * command at a time. The engine process, recovery after a crash and the audit all replay through this, so they agree
 * on the book, the trades and every settlement key. JSON-safe commands and snapshots (bigints as strings).
 */
import { MatchingEngine } from './engine.js';
import type { BookLevel, CancelResult, EngineSnapshot, NewOrder, OrderResult, Side, Trade } from './orders.js';
import { pairUnits, type Pair } from './pairs.js';
import { initialFunds, planCancel, planPlacement, type OrderFunds, type SettlementPlan } from './settlement.js';

export type JournalCommand =
  | {
      kind: 'place';
      order: Omit<NewOrder, 'quoteBudget'> & { quoteBudget: string | null };
      hold: { currency: string; amount: string };
    }
  | { kind: 'cancel'; id: number; owner: string };

type StoredFunds = Omit<OrderFunds, 'held' | 'filledBase' | 'filledQuote' | 'fee'> & {
  held: string;
  filledBase: string;
  filledQuote: string;
  fee: string;
};

export interface MarketSnapshot {
  seq: number;
  /** The number of the last book update (absent from snapshots taken before it was kept). */
  bookSeq?: number;
  engine: EngineSnapshot;
  funds: StoredFunds[];
}

/** A price level after a command: its side, price in ticks and the lots now resting there (0: the level is gone). */
export interface LevelChange {
  side: Side;
  price: number;
  lots: bigint;
}

/** `bookSeq`: the number of the book update this command made, if it changed a level (see MarketState.bookSeq). */
export type Applied = SettlementPlan & { seq: number; levels: LevelChange[]; bookSeq: number | null } & (
    { kind: 'place'; orderId: number; result: OrderResult } | { kind: 'cancel'; orderId: number; result: CancelResult }
  );

export function placeCommand(order: NewOrder, hold: { currency: string; amount: bigint }): JournalCommand {
  return {
    kind: 'place',
    order: { ...order, quoteBudget: order.quoteBudget === null ? null : order.quoteBudget.toString() },
    hold: { currency: hold.currency, amount: hold.amount.toString() },
  };
}

export class MarketState {
  private readonly engine: MatchingEngine;
  private readonly funds: Map<number, OrderFunds>;
  private lastSeq: number;
  private lastBookSeq: number;

  constructor(
    readonly pair: Pair,
    snapshot?: MarketSnapshot,
  ) {
    const units = pairUnits(pair);
    this.engine = snapshot ? MatchingEngine.restore(units, snapshot.engine) : new MatchingEngine(units);
    this.funds = new Map((snapshot?.funds ?? []).map((f) => [f.orderId, fundsFrom(f)]));
    this.lastSeq = snapshot?.seq ?? 0;
    // a snapshot from before book numbers were kept: its command count is at least its book updates' count, so the
    // numbers never go back (subscribers re-subscribe once)
    this.lastBookSeq = snapshot?.bookSeq ?? this.lastSeq;
  }

  get seq(): number {
    return this.lastSeq;
  }

  /**
   * The number of the last book update: commands that changed a level, counted along the journal, so a restart
   * rebuilding the market from its snapshot and journal goes on numbering where the crashed process stopped and a
   * subscriber sees no gap.
   */
  get bookSeq(): number {
    return this.lastBookSeq;
  }

  private numbered(levels: LevelChange[]): number | null {
    return levels.length === 0 ? null : ++this.lastBookSeq;
  }

  /** Applies the command journaled as `seq`, which must be the next one. */
  apply(seq: number, command: JournalCommand): Applied {
    if (seq !== this.lastSeq + 1) throw new Error(`${this.pair.code}: command ${seq} applied after ${this.lastSeq}`);
    this.lastSeq = seq;
    if (command.kind === 'cancel') {
      const result = this.engine.cancel(command.id, command.owner);
      const levels = result.ok ? this.changes([[result.side, result.price]]) : [];
      return {
        kind: 'cancel',
        seq,
        orderId: command.id,
        result,
        levels,
        bookSeq: this.numbered(levels),
        ...settledLater(planCancel(this.funds, command.id, result)),
      };
    }
    const order: NewOrder = {
      ...command.order,
      quoteBudget: command.order.quoteBudget === null ? null : BigInt(command.order.quoteBudget),
    };
    const taker = initialFunds(order.id, order.owner, order.side, {
      currency: command.hold.currency,
      amount: BigInt(command.hold.amount),
    });
    const trades: Trade[] = [];
    const result = this.engine.place(order, trades);
    const touched: Array<[Side, number]> = trades.map((t) => [t.takerSide === 'buy' ? 'sell' : 'buy', t.price]);
    if (result.status === 'open') touched.push([order.side, order.price]);
    const levels = this.changes(touched);
    return {
      kind: 'place',
      seq,
      orderId: order.id,
      result,
      levels,
      bookSeq: this.numbered(levels),
      ...settledLater(planPlacement(this.pair, this.funds, taker, result, trades)),
    };
  }

  /** The touched levels' totals now, each level once, in the order first touched. */
  private changes(touched: Array<[Side, number]>): LevelChange[] {
    const seen = new Set<string>();
    const changes: LevelChange[] = [];
    for (const [side, price] of touched) {
      const key = `${side}${price}`;
      if (seen.has(key)) continue;
      seen.add(key);
      changes.push({ side, price, lots: this.engine.levelTotal(side, price) });
    }
    return changes;
  }

  snapshot(): MarketSnapshot {
    return {
      seq: this.lastSeq,
      bookSeq: this.lastBookSeq,
      engine: this.engine.snapshot(),
      funds: [...this.funds.values()].map((f) => ({
        ...f,
        held: f.held.toString(),
        filledBase: f.filledBase.toString(),
        filledQuote: f.filledQuote.toString(),
        fee: f.fee.toString(),
      })),
    };
  }

  stateHash(): string {
    return this.engine.stateHash();
  }

  /** What the open orders still hold, per currency: the audit compares it with the escrow's pending credits. */
  heldByCurrency(): Map<string, bigint> {
    const held = new Map<string, bigint>();
    for (const f of this.funds.values()) held.set(f.holdCurrency, (held.get(f.holdCurrency) ?? 0n) + f.held);
    return held;
  }

  best(): { bid?: number; ask?: number } {
    return { bid: this.engine.bestPrice('buy'), ask: this.engine.bestPrice('sell') };
  }

  /** The book's best levels, [ticks, lots], for market data. */
  levels(side: 'buy' | 'sell', depth: number): BookLevel[] {
    return this.engine.levels(side, depth);
  }

  resting(orderId: number) {
    return this.engine.resting(orderId);
  }
}

/** Settlement runs after later commands have applied: it must see the orders as this command left them. */
function settledLater(plan: SettlementPlan): SettlementPlan {
  return { ...plan, orders: plan.orders.map((o) => ({ ...o })) };
}

function fundsFrom(f: StoredFunds): OrderFunds {
  return { ...f, held: BigInt(f.held), filledBase: BigInt(f.filledBase), filledQuote: BigInt(f.filledQuote), fee: BigInt(f.fee) };
}
