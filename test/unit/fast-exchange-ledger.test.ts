import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import { acceptKeyCounter, EXCHANGE_INVENTORY, swapGroup, type AcceptedQuote } from '../../domain/fast-exchange/ledger.js';
import { checkSwapLimits, DEFAULT_FAST_EXCHANGE_SETTINGS, FAST_EXCHANGE_SETTINGS } from '../../domain/fast-exchange/settings.js';
import { applyGroup, balanceView } from '../../domain/ledger/engine.js';
import { account, accountIn, ledgerOf, snapshot } from './support/ledger-state.js';

// 100 USDT in (0.2 USDT fee) for 45.27 XRP out
const quote: AcceptedQuote = {
  id: 'q1',
  userId: 'u1',
  pair: 'XRP-USDT',
  from: 'USDT',
  to: 'XRP',
  amountIn: 100_000_000n,
  fee: 200_000n,
  amountOut: 45_270_000n,
  baseAmount: 45_270_000n,
};
const context = { day: '2026-11-30', dailyLimit: null, idempotencyKey: 'k1', claimKey: true };
const books = (inventoryXrp: bigint) =>
  ledgerOf(
    account('user:u1', 'USDT', 150_000_000n),
    account('user:u1', 'XRP'),
    account(EXCHANGE_INVENTORY, 'USDT'),
    account(EXCHANGE_INVENTORY, 'XRP', inventoryXrp),
    account('fees:USDT', 'USDT'),
  );

describe('a swap in the ledger', () => {
  it('pays the net into the inventory, the fee to the house, and the inventory pays the user', () => {
    const state = books(50_000_000n);
    const result = applyGroup(state, swapGroup(quote, context));
    expect(result.ok).toBe(true);
    expect(balanceView(accountIn(state, 'user:u1', 'USDT')).available).toBe(50_000_000n);
    expect(balanceView(accountIn(state, 'user:u1', 'XRP')).available).toBe(45_270_000n);
    expect(accountIn(state, EXCHANGE_INVENTORY, 'USDT').creditsPosted).toBe(99_800_000n);
    expect(accountIn(state, 'fees:USDT', 'USDT').creditsPosted).toBe(200_000n);
    expect(balanceView(accountIn(state, EXCHANGE_INVENTORY, 'XRP')).available).toBe(4_730_000n);
  });

  it('never overdraws the inventory: the whole swap is refused, naming it', () => {
    const state = books(45_269_999n);
    const before = snapshot(state);
    const result = applyGroup(state, swapGroup(quote, context));
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: ErrorCode.InsufficientFunds, subject: EXCHANGE_INVENTORY }),
    });
    expect(state).toEqual(before);
  });

  it('counts the base amount against the daily limit, atomically', () => {
    const state = books(100_000_000n);
    const limited = { ...context, dailyLimit: 48_000_000n };
    expect(applyGroup(state, swapGroup(quote, limited)).ok).toBe(true);
    const again = applyGroup(
      state,
      swapGroup(
        { ...quote, id: 'q2', amountIn: 10_000_000n, fee: 20_000n, amountOut: 4_527_000n, baseAmount: 4_527_000n },
        limited,
      ),
    );
    expect(again).toEqual({ ok: false, error: expect.objectContaining({ code: ErrorCode.LimitExceeded }) });
  });

  it('counts swaps made before a daily limit applied against the limit set later that day', () => {
    const state = books(100_000_000n);
    expect(applyGroup(state, swapGroup(quote, context)).ok).toBe(true); // no limit yet: 45.27 XRP counted all the same
    const second = { ...quote, id: 'q2', amountIn: 10_000_000n, fee: 20_000n, amountOut: 4_527_000n, baseAmount: 4_527_000n };
    const limited = { ...context, dailyLimit: 48_000_000n, idempotencyKey: 'k2' };
    expect(applyGroup(state, swapGroup(second, limited))).toEqual({
      ok: false,
      error: expect.objectContaining({ code: ErrorCode.LimitExceeded, subject: 'fast-exchange:u1:XRP-USDT:2026-11-30' }),
    });
  });

  it("claims the client's Idempotency-Key for one quote: another quote under it is refused, naming the key", () => {
    const state = books(100_000_000n);
    expect(applyGroup(state, swapGroup(quote, context)).ok).toBe(true);
    const other = { ...quote, id: 'q2', amountIn: 10_000_000n, fee: 20_000n, amountOut: 4_527_000n, baseAmount: 4_527_000n };
    const before = snapshot(state);
    expect(applyGroup(state, swapGroup(other, context))).toEqual({
      ok: false,
      error: expect.objectContaining({ code: ErrorCode.LimitExceeded, subject: acceptKeyCounter('u1', 'k1') }),
    });
    expect(state).toEqual(before);
    expect(applyGroup(state, swapGroup(other, { ...context, idempotencyKey: 'k2' })).ok).toBe(true);
    // a conversion's key made its quote's id, so it claims nothing
    expect(swapGroup(other, { ...context, claimKey: false }).counters?.map((c) => c.key)).toEqual([
      'fast-exchange:u1:XRP-USDT:2026-11-30',
    ]);
  });
});

describe('fast-exchange settings', () => {
  it('round-trip through the settings resolver’s values, and check per-swap limits in base units', () => {
    const settings = { ...DEFAULT_FAST_EXCHANGE_SETTINGS, feePpm: 1_500n, maxAmount: 10n, dailyLimit: 100n, quoteTtlSeconds: 5 };
    expect(FAST_EXCHANGE_SETTINGS.decode(FAST_EXCHANGE_SETTINGS.encode(settings))).toEqual(settings);
    expect(FAST_EXCHANGE_SETTINGS.encode(settings)).toMatchObject({
      fee_percent: '0.15',
      max_amount: '10',
      quote_ttl_seconds: 5,
    });
    expect(checkSwapLimits(0n, settings, 'XRP-USDT', 'amount_in')?.code).toBe(ErrorCode.AmountBelowMinimum);
    expect(checkSwapLimits(11n, settings, 'XRP-USDT', 'amount_out')).toMatchObject({
      code: ErrorCode.AmountAboveMaximum,
      issues: [{ path: 'amount_out', message: 'above the maximum' }],
    });
    expect(checkSwapLimits(10n, settings, 'XRP-USDT', 'amount_in')).toBeNull();
  });
});
