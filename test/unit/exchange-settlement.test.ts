import { describe, expect, it } from 'vitest';
import { MatchingEngine } from '../../domain/exchange/engine.js';
import type { NewOrder, Trade } from '../../domain/exchange/orders.js';
import {
  ORDER_ESCROW,
  feeAccount,
  holdGroup,
  initialFunds,
  planCancel,
  planPlacement,
  type OrderFunds,
} from '../../domain/exchange/settlement.js';
import {
  applyGroup,
  accountId,
  balanceView,
  userAccountName,
  type LedgerState,
  type TransferGroup,
} from '../../domain/ledger/engine.js';
import { generateCommands } from '../support/order-stream.js';
import { account, accountIn, ledgerOf } from './support/ledger-state.js';

const pair = { code: 'BTC-USDT', base: 'BTC', quote: 'USDT' };
const units = { lotSize: 100n, quotePerLotTick: 3n, makerFeePpm: 1_000n, takerFeePpm: 2_500n };
const OWNERS = ['u0', 'u1', 'u2', 'u3'];
const START = 10n ** 12n;

function fundedLedger(): LedgerState {
  const accounts = OWNERS.flatMap((o) => [account(userAccountName(o), 'BTC', START), account(userAccountName(o), 'USDT', START)]);
  return ledgerOf(
    ...accounts,
    account(ORDER_ESCROW, 'BTC'),
    account(ORDER_ESCROW, 'USDT'),
    account(feeAccount('BTC'), 'BTC'),
    account(feeAccount('USDT'), 'USDT'),
  );
}

function apply(ledger: LedgerState, group: TransferGroup) {
  const outcome = applyGroup(ledger, group);
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message} (${outcome.error.subject})`);
}

function holdOf(order: NewOrder) {
  if (order.side === 'sell') return { currency: 'BTC', amount: BigInt(order.quantity) * units.lotSize };
  if (order.quoteBudget !== null) return { currency: 'USDT', amount: order.quoteBudget };
  return { currency: 'USDT', amount: BigInt(order.quantity) * BigInt(order.price) * units.quotePerLotTick };
}

describe('settling what the engine decides', () => {
  it.each([11, 12, 13])('keeps escrow equal to the open orders’ holds and every account consistent (seed %i)', (seed) => {
    const commands = generateCommands({
      seed,
      commands: 2_000,
      owners: OWNERS.length,
      spread: 8,
      maxLots: 6,
      quoteBudgets: true,
      quotePerLotTick: 3n,
    });
    const engine = new MatchingEngine(units);
    const ledger = fundedLedger();
    const book = new Map<number, OrderFunds>();
    let trades = 0;
    for (const command of commands) {
      if (command.kind === 'cancel') {
        const plan = planCancel(book, command.id, engine.cancel(command.id, command.owner));
        plan.groups.forEach((g) => apply(ledger, g));
        continue;
      }
      const order = command.order;
      // the API asks a market buy for what it may spend: one by amount alone becomes a limit IOC far above the book
      const placed: NewOrder =
        order.type === 'market' && order.side === 'buy' && order.quoteBudget === null
          ? { ...order, type: 'limit', price: 20_000, timeInForce: order.timeInForce === 'FOK' ? 'FOK' : 'IOC' }
          : order;
      const funds = initialFunds(placed.id, placed.owner, placed.side, holdOf(placed));
      apply(ledger, holdGroup(funds, pair.code));
      const made: Trade[] = [];
      const plan = planPlacement(pair, book, funds, engine.place(placed, made), made);
      plan.groups.forEach((g) => apply(ledger, g));
      trades += made.length;
    }
    expect(trades).toBeGreaterThan(200);
    for (const currency of ['BTC', 'USDT']) {
      const held = [...book.values()].filter((f) => f.holdCurrency === currency).reduce((sum, f) => sum + f.held, 0n);
      const escrow = accountIn(ledger, ORDER_ESCROW, currency);
      // escrow only ever holds pending funds: every post into it is paid out in the same group
      expect(escrow.creditsPosted - escrow.debitsPosted).toBe(0n);
      expect(escrow.creditsPending).toBe(held);
      const users = OWNERS.reduce((sum, o) => sum + balanceView(accountIn(ledger, userAccountName(o), currency)).posted, 0n);
      const fees = balanceView(accountIn(ledger, feeAccount(currency), currency)).posted;
      expect(users + fees).toBe(START * BigInt(OWNERS.length));
    }
    // every resting order in the engine has its funds, and only those
    expect(new Set(engine.snapshot().orders.map((o) => o.id))).toEqual(new Set(book.keys()));
    expect(ledger.accounts.has(accountId(ORDER_ESCROW, 'BTC'))).toBe(true);
  });

  it('chains a partly filled order’s hold and releases the rest of a buy filled below its limit', () => {
    const engine = new MatchingEngine(units);
    const ledger = fundedLedger();
    const book = new Map<number, OrderFunds>();
    const place = (order: NewOrder) => {
      const funds = initialFunds(order.id, order.owner, order.side, holdOf(order));
      apply(ledger, holdGroup(funds, pair.code));
      const made: Trade[] = [];
      const plan = planPlacement(pair, book, funds, engine.place(order, made), made);
      plan.groups.forEach((g) => apply(ledger, g));
      return plan;
    };
    const base = { type: 'limit', quoteBudget: null, timeInForce: 'GTC', postOnly: false } as const;
    place({ ...base, id: 1, owner: 'u0', side: 'buy', price: 1_000, quantity: 10 }); // holds 30,000 USDT minor
    const first = place({ ...base, id: 2, owner: 'u1', side: 'sell', price: 900, quantity: 4 });
    expect(first.groups[0]!.transfers.map((t) => t.key)).toEqual([
      'trade:BTC-USDT:1:buyer-post',
      'order:1:hold:1',
      'trade:BTC-USDT:1:seller-post',
      'trade:BTC-USDT:1:to-buyer',
      'trade:BTC-USDT:1:buyer-fee',
      'trade:BTC-USDT:1:to-seller',
      'trade:BTC-USDT:1:seller-fee',
    ]);
    expect(book.get(1)).toMatchObject({ held: 18_000n, holdIndex: 1, filledBase: 400n, filledQuote: 12_000n, fee: 1n });
    const u0 = () => balanceView(accountIn(ledger, userAccountName('u0'), 'USDT'));
    expect(u0()).toEqual({ posted: START - 12_000n, pending: 18_000n, available: START - 30_000n });
    place({ ...base, id: 3, owner: 'u2', side: 'sell', price: 800, quantity: 6 }); // fills the rest at 1,000 (maker's price)
    expect(book.has(1)).toBe(false);
    expect(u0()).toEqual({ posted: START - 30_000n, pending: 0n, available: START - 30_000n });
    const cancelled = planCancel(book, 99, { ok: false, reason: 'not_found' });
    expect(cancelled.groups).toEqual([]);
  });
});
