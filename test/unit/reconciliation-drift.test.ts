import { describe, expect, it } from 'vitest';
import {
  belowMinimums,
  classifyDrift,
  holdingKey,
  reconciliationReport,
  sumByHolding,
  type CustodyPosition,
} from '../../domain/reconciliation/drift.js';

const position = (p: Partial<CustodyPosition>): CustodyPosition => ({
  account: 'custody:hot:evm-1',
  currency: 'ETH',
  ledger: 0n,
  chain: 0n,
  inFlight: 0n,
  awaitingConfirmations: 0n,
  held: 0n,
  unswept: 0n,
  ...p,
});

describe('drift classification', () => {
  it('finds nothing when chain and ledger agree, whatever sits unswept in deposit wallets', () => {
    const line = classifyDrift(position({ ledger: 500n, chain: 500n, unswept: 300n }), 0n);
    expect(line).toMatchObject({ drift: '0', unexplained: '0', unswept: '300', alert: false });
  });

  it('explains a sweep mined but not recorded as in flight, on both sides', () => {
    // 100 left the deposit wallet (plus 2 of gas), 100 reached cold: neither is booked yet
    const hot = classifyDrift(position({ ledger: 500n, chain: 398n, inFlight: -102n }), 0n);
    const cold = classifyDrift(position({ account: 'custody:cold:evm-1', ledger: 0n, chain: 100n, inFlight: 100n }), 0n);
    expect([hot.drift, hot.unexplained, hot.alert]).toEqual(['-102', '0', false]);
    expect([cold.drift, cold.unexplained, cold.alert]).toEqual(['100', '0', false]);
  });

  it('explains deposits seen on chain and not credited as awaiting confirmations', () => {
    const line = classifyDrift(position({ ledger: 0n, chain: 70n, awaitingConfirmations: 70n }), 0n);
    expect(line).toMatchObject({ drift: '70', awaitingConfirmations: '70', unexplained: '0', alert: false });
  });

  it('explains deposits held by the deposit settings, and only their amount', () => {
    const held = classifyDrift(position({ ledger: 1_000n, chain: 1_040n, held: 40n }), 0n);
    expect(held).toMatchObject({ drift: '40', held: '40', unexplained: '0', alert: false });
    const heldAndTaken = classifyDrift(position({ ledger: 1_000n, chain: 1_015n, held: 40n }), 0n);
    expect(heldAndTaken).toMatchObject({ drift: '15', held: '40', unexplained: '-25', alert: true });
  });

  it('reports what nothing explains, and alerts only above the threshold', () => {
    const taken = position({ ledger: 1_000n, chain: 740n, inFlight: -10n, awaitingConfirmations: 0n });
    expect(classifyDrift(taken, 0n)).toMatchObject({ drift: '-260', unexplained: '-250', alert: true });
    expect(classifyDrift(taken, 250n).alert).toBe(false);
    expect(classifyDrift(taken, 249n)).toMatchObject({ alert: true, threshold: '249' }); // carried for the alert
    const extra = position({ ledger: 0n, chain: 5n });
    expect(classifyDrift(extra, 4n)).toMatchObject({ unexplained: '5', alert: true });
  });

  it('makes the report not ok on any alert or any wallet below its minimum', () => {
    const fine = classifyDrift(position({ ledger: 1n, chain: 1n }), 0n);
    const off = classifyDrift(position({ ledger: 1n, chain: 2n }), 0n);
    expect(reconciliationReport([fine], []).ok).toBe(true);
    expect(reconciliationReport([fine, off], []).ok).toBe(false);
    expect(reconciliationReport([fine], [{ target: 'x', currency: 'ETH', minimum: '2', balance: '1' }]).ok).toBe(false);
  });
});

describe('expected minimums', () => {
  it('lists the accounts and wallets holding less than expected, a missing holding counting as zero', () => {
    const holdings = sumByHolding([
      { target: 'custody:gas-keeper:evm-1', currency: 'ETH', amount: 3n },
      { target: 'custody:gas-keeper:evm-1', currency: 'ETH', amount: 2n },
      { target: '0xabc', currency: 'USDT', amount: 10n },
    ]);
    expect(holdings.get(holdingKey('custody:gas-keeper:evm-1', 'ETH'))).toBe(5n);
    expect(
      belowMinimums(
        [
          { target: 'custody:gas-keeper:evm-1', currency: 'ETH', minimum: 5n },
          { target: '0xabc', currency: 'USDT', minimum: 11n },
          { target: 'custody:cold:evm-1', currency: 'ETH', minimum: 1n },
        ],
        holdings,
      ),
    ).toEqual([
      { target: '0xabc', currency: 'USDT', minimum: '11', balance: '10' },
      { target: 'custody:cold:evm-1', currency: 'ETH', minimum: '1', balance: '0' },
    ]);
  });
});
