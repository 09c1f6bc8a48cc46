/**
 * Sluice's matching engine against nodejs-order-book on the same seeded command stream, in the same run: limit
 * orders (GTC, IOC, FOK, post-only), market orders and cancels, 1,000 accounts, self-trade prevention cancelling the
 * taker in both. Each engine gets a warm-up stream first, then the measured one; every command counts as one order.
 *
 *   node --import tsx bench/matching.ts      BENCH_COMMANDS (1000000), BENCH_ROUNDS (3)
 */
import { OrderBook, SelfTradePreventionMode, Side as BookSide, type LimitOrderOptions } from 'nodejs-order-book';
import { MatchingEngine } from '../domain/exchange/engine.js';
import type { Trade } from '../domain/exchange/orders.js';
import { generateCommands, type Command } from '../test/support/order-stream.js';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const units = { lotSize: 10_000n, quotePerLotTick: 1n, makerFeePpm: 1_000n, takerFeePpm: 2_000n };
const stream = (seed: number) =>
  generateCommands({
    seed,
    commands: COMMANDS,
    owners: 1_000,
    spread: 50,
    maxLots: 20,
    quoteBudgets: false,
    quotePerLotTick: 1n,
  });

function runSluice(commands: Command[]): { seconds: number; trades: number } {
  const engine = new MatchingEngine(units);
  const trades: Trade[] = [];
  let count = 0;
  const started = performance.now();
  for (const command of commands) {
    if (command.kind === 'cancel') engine.cancel(command.id, command.owner);
    else engine.place(command.order, trades);
    count += trades.length;
    trades.length = 0;
  }
  return { seconds: (performance.now() - started) / 1000, trades: count };
}

function runOrderBook(commands: Command[]): { seconds: number; trades: number } {
  const book = new OrderBook();
  let count = 0;
  const stp = SelfTradePreventionMode.EXPIRE_TAKER;
  const started = performance.now();
  for (const command of commands) {
    if (command.kind === 'cancel') {
      book.cancel(String(command.id));
      continue;
    }
    const o = command.order;
    const side = o.side === 'buy' ? BookSide.BUY : BookSide.SELL;
    const result =
      o.type === 'market'
        ? book.market({ side, size: o.quantity, accountId: o.owner, stpMode: stp })
        : book.limit({
            id: String(o.id),
            side,
            size: o.quantity,
            price: o.price,
            // its TimeInForce enum is not exported; its values are these same strings
            timeInForce: o.timeInForce as LimitOrderOptions['timeInForce'],
            postOnly: o.postOnly,
            accountId: o.owner,
            stpMode: stp,
          });
    count += result.done.length;
  }
  return { seconds: (performance.now() - started) / 1000, trades: count };
}

const warmUp = stream(1);
runSluice(warmUp);
runOrderBook(warmUp);
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  const commands = stream(100 + round);
  const sluice = runSluice(commands);
  const other = runOrderBook(commands);
  const sluiceRate = COMMANDS / sluice.seconds;
  const otherRate = COMMANDS / other.seconds;
  rows.push({
    round,
    commands: COMMANDS,
    'sluice orders/s': Math.round(sluiceRate),
    'sluice trades': sluice.trades,
    'nodejs-order-book orders/s': Math.round(otherRate),
    'nodejs-order-book done': other.trades,
    ratio: +(sluiceRate / otherRate).toFixed(2),
  });
}
console.log(`\nMatching: ${COMMANDS} commands per round (limit/market/cancel mix), Node ${process.version}`);
console.table(rows);
