/**
 * Random but reproducible command streams for the matching engine: a seeded PRNG (mulberry32) drives a price that
 * walks around a mid, limit orders on both sides (GTC, IOC, FOK, post-only), market orders by amount and by quote
 * budget, and cancels of orders that may or may not still rest. The property test and bench/matching.ts share it.
 */
import type { NewOrder, Side, TimeInForce } from '../../domain/exchange/orders.js';

export type Command = { kind: 'place'; order: NewOrder } | { kind: 'cancel'; id: number; owner: string };

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StreamOptions {
  seed: number;
  commands: number;
  owners: number;
  /** Ticks either side of the mid that limit prices spread over. */
  spread: number;
  maxLots: number;
  /** Market buys by quote budget (nodejs-order-book has none, so its bench stream leaves them out). */
  quoteBudgets: boolean;
  /** Quote minor units per lot per tick, to size budgets. */
  quotePerLotTick: bigint;
}

export function generateCommands(options: StreamOptions): Command[] {
  const random = mulberry32(options.seed);
  const int = (n: number) => Math.floor(random() * n);
  const commands: Command[] = [];
  const placed: Array<{ id: number; owner: string }> = [];
  let mid = 10_000;
  let nextId = 1;
  for (let i = 0; i < options.commands; i++) {
    mid = Math.max(options.spread + 1, mid + int(3) - 1);
    const roll = random();
    if (roll < 0.25 && placed.length > 0) {
      // mostly recent orders, as real cancels are; a few are long gone or someone else's (must be refused)
      const target = placed[placed.length - 1 - int(Math.min(placed.length, 50))]!;
      const owner = random() < 0.05 ? `u${int(options.owners)}` : target.owner;
      commands.push({ kind: 'cancel', id: target.id, owner });
      continue;
    }
    const side: Side = random() < 0.5 ? 'buy' : 'sell';
    const owner = `u${int(options.owners)}`;
    const id = nextId++;
    const quantity = 1 + int(options.maxLots);
    if (roll < 0.33) {
      const budget = options.quoteBudgets && side === 'buy' && random() < 0.5;
      commands.push({
        kind: 'place',
        order: {
          id,
          owner,
          side,
          type: 'market',
          price: 0,
          quantity: budget ? Number.MAX_SAFE_INTEGER : quantity,
          quoteBudget: budget ? BigInt(quantity * mid) * options.quotePerLotTick : null,
          timeInForce: !budget && random() < 0.2 ? 'FOK' : 'IOC',
          postOnly: false,
        },
      });
      continue;
    }
    // resting orders sit behind the mid; a quarter cross it and take liquidity
    const offset = int(options.spread) * (random() < 0.25 ? -1 : 1);
    const price = side === 'buy' ? mid - offset : mid + offset;
    const tif: TimeInForce = random() < 0.8 ? 'GTC' : random() < 0.5 ? 'IOC' : 'FOK';
    const postOnly = tif === 'GTC' && random() < 0.1;
    commands.push({
      kind: 'place',
      order: { id, owner, side, type: 'limit', price, quantity, quoteBudget: null, timeInForce: tif, postOnly },
    });
    placed.push({ id, owner });
  }
  return commands;
}
