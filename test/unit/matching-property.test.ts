import { describe, expect, it } from 'vitest';
import { MatchingEngine } from '../../domain/exchange/engine.js';
import type { Trade } from '../../domain/exchange/orders.js';
import { generateCommands } from '../support/order-stream.js';
import { ReferenceMatcher } from './support/reference-matcher.js';

const units = { lotSize: 1_000n, quotePerLotTick: 7n, makerFeePpm: 1_500n, takerFeePpm: 2_500n };

// few owners make self-trades frequent; a narrow spread makes most orders cross something
const streams = [
  { seed: 1, owners: 3, spread: 5, maxLots: 10 },
  { seed: 2, owners: 10, spread: 20, maxLots: 50 },
  { seed: 3, owners: 2, spread: 2, maxLots: 3 },
  { seed: 4, owners: 50, spread: 100, maxLots: 1_000 },
  { seed: 5, owners: 5, spread: 10, maxLots: 5 },
];

describe('the matching engine against a naive reference matcher', () => {
  it.each(streams)('agrees on every result, trade and resting order (seed $seed)', (stream) => {
    const commands = generateCommands({ ...stream, commands: 3_000, quoteBudgets: true, quotePerLotTick: units.quotePerLotTick });
    const engine = new MatchingEngine(units);
    const reference = new ReferenceMatcher(units);
    for (const [index, command] of commands.entries()) {
      const engineTrades: Trade[] = [];
      const referenceTrades: Trade[] = [];
      if (command.kind === 'cancel') {
        expect(engine.cancel(command.id, command.owner), `command ${index}`).toEqual(reference.cancel(command.id, command.owner));
      } else {
        const result = engine.place(command.order, engineTrades);
        expect(result, `command ${index}`).toEqual(reference.place(command.order, referenceTrades));
        expect(engineTrades, `command ${index}`).toEqual(referenceTrades);
      }
    }
    expect(engine.snapshot().orders).toEqual(reference.resting());
    expect(engine.snapshot().nextTradeId).toBe(reference.tradeCount + 1);
    expect(reference.tradeCount).toBeGreaterThan(100);
  });

  it('rebuilds the same book, with the same state hash, from a snapshot taken mid-stream', () => {
    const commands = generateCommands({
      seed: 9,
      owners: 5,
      spread: 10,
      maxLots: 10,
      commands: 2_000,
      quoteBudgets: true,
      quotePerLotTick: 7n,
    });
    const engine = new MatchingEngine(units);
    const apply = (target: MatchingEngine, from: number, to: number, trades: Trade[]) => {
      for (const command of commands.slice(from, to)) {
        if (command.kind === 'cancel') target.cancel(command.id, command.owner);
        else target.place(command.order, trades);
      }
    };
    apply(engine, 0, 1_000, []);
    const restored = MatchingEngine.restore(units, structuredClone(engine.snapshot()));
    expect(restored.stateHash()).toBe(engine.stateHash());
    const original: Trade[] = [];
    const replayed: Trade[] = [];
    apply(engine, 1_000, 2_000, original);
    apply(restored, 1_000, 2_000, replayed);
    expect(replayed).toEqual(original);
    expect(restored.stateHash()).toBe(engine.stateHash());
  });
});
