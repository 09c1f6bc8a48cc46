import { describe, expect, it } from 'vitest';
import {
  bumpedFees,
  confirmationsAt,
  earlyFundingAmount,
  gasFundingNeeded,
  gasLimitWithHeadroom,
  nativeSweepValue,
  sweepLedgerTransfers,
} from '../../domain/collection/rules.js';
import { sweeperWorkflowId } from '../../workflows/collection/sweeper/messages.js';
import { applyGroup, type AccountState, type LedgerState } from '../../domain/ledger/engine.js';

describe('collection arithmetic', () => {
  it('counts the including block as the first confirmation', () => {
    expect(confirmationsAt(100n, 99n)).toBe(0);
    expect(confirmationsAt(100n, 100n)).toBe(1);
    expect(confirmationsAt(100n, 111n)).toBe(12);
  });

  it('sweeps the balance less the most the fee can be, and nothing when that leaves nothing', () => {
    expect(nativeSweepValue(1_000_000n, 21_000n, 10n)).toBe(790_000n);
    expect(nativeSweepValue(210_000n, 21_000n, 10n)).toBeNull();
    expect(nativeSweepValue(0n, 21_000n, 10n)).toBeNull();
  });

  it('asks for the gas cost plus the margin, less what the wallet already holds, rounding up', () => {
    expect(gasFundingNeeded(1_000n, 10, 0n)).toBe(1_100n);
    expect(gasFundingNeeded(1_001n, 10, 0n)).toBe(1_102n);
    expect(gasFundingNeeded(1_000n, 10, 600n)).toBe(500n);
    expect(gasFundingNeeded(1_000n, 10, 5_000n)).toBe(0n);
    expect(gasFundingNeeded(1_000n, 0, 0n)).toBe(1_000n);
  });

  it('funds early with room for the fee to rise over three full blocks, then the margin', () => {
    // ×1.5 for the fee, then +10%: covers 1.125³ ≈ 1.42 times the quoted fee with the margin still whole
    expect(earlyFundingAmount(1_000n, 10)).toBe(1_650n);
    expect(earlyFundingAmount(1_000n, 10)).toBeGreaterThanOrEqual(gasFundingNeeded((1_000n * 1_424n) / 1_000n, 10, 0n));
    expect(earlyFundingAmount(1_001n, 0)).toBe(1_502n);
  });

  it('adds headroom to gas estimates and raises both fees enough for a replacement', () => {
    expect(gasLimitWithHeadroom(50_000n)).toBe(60_000n);
    expect(gasLimitWithHeadroom(50_001n)).toBe(60_002n);
    const bumped = bumpedFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 3n });
    expect(bumped).toEqual({ maxFeePerGas: 125n, maxPriorityFeePerGas: 4n });
    expect(bumped.maxFeePerGas * 10n).toBeGreaterThanOrEqual(110n * 10n);
  });

  it('names one sweeper per chain', () => {
    expect(sweeperWorkflowId('evm-1')).toBe('sweeper:evm-1');
  });
});

describe('sweep ledger entries', () => {
  const state = (): LedgerState => ({ accounts: new Map(), pendings: new Map(), counters: new Map() });
  const open = (s: LedgerState, name: string, currency: string) => {
    const account: AccountState = {
      name,
      currency,
      noOverdraft: false,
      debitsPosted: 0n,
      creditsPosted: 0n,
      debitsPending: 0n,
      creditsPending: 0n,
    };
    s.accounts.set(`${currency}/${name}`, account);
  };
  const holdings = (s: LedgerState, name: string, currency: string) => {
    const a = s.accounts.get(`${currency}/${name}`)!;
    return a.debitsPosted - a.creditsPosted;
  };

  it('moves a token sweep from hot to cold custody and books the funding and both fees in ETH', () => {
    const transfers = sweepLedgerTransfers({
      sweepId: '7',
      chain: 'evm-1',
      currency: 'USDT',
      nativeCurrency: 'ETH',
      amount: 250_000_000n,
      sweepGas: 40n,
      funding: { amount: 55n, gas: 21n },
      depositIds: ['3', '4'],
      txHash: '0xabc',
    });
    expect(transfers.map((t) => t.key)).toEqual([
      'sweep:evm-1:7:funding',
      'sweep:evm-1:7:funding-gas',
      'sweep:evm-1:7:cold',
      'sweep:evm-1:7:gas',
    ]);
    const s = state();
    for (const [name, cur] of [
      ['custody:hot:evm-1', 'USDT'],
      ['custody:cold:evm-1', 'USDT'],
      ['custody:hot:evm-1', 'ETH'],
      ['custody:gas-keeper:evm-1', 'ETH'],
      ['fees:network:evm-1', 'ETH'],
    ] as const)
      open(s, name, cur);
    // the deposit had made hot custody hold the tokens
    s.accounts.get('USDT/custody:hot:evm-1')!.debitsPosted = 250_000_000n;
    expect(applyGroup(s, { transfers }).ok).toBe(true);
    expect(holdings(s, 'custody:hot:evm-1', 'USDT')).toBe(0n);
    expect(holdings(s, 'custody:cold:evm-1', 'USDT')).toBe(250_000_000n);
    // the wallet received 55 wei of gas and spent 40: 15 wei stay in it
    expect(holdings(s, 'custody:hot:evm-1', 'ETH')).toBe(15n);
    expect(holdings(s, 'custody:gas-keeper:evm-1', 'ETH')).toBe(-76n);
    expect(holdings(s, 'fees:network:evm-1', 'ETH')).toBe(61n);
  });

  it('books only the fee of a sweep that failed on chain, and nothing for a zero funding', () => {
    const transfers = sweepLedgerTransfers({
      sweepId: '8',
      chain: 'evm-1',
      currency: 'ETH',
      nativeCurrency: 'ETH',
      amount: 0n,
      sweepGas: 30n,
      funding: null,
      depositIds: [],
      txHash: '0xdef',
    });
    expect(transfers).toEqual([
      expect.objectContaining({
        key: 'sweep:evm-1:8:gas',
        debit: 'fees:network:evm-1',
        credit: 'custody:hot:evm-1',
        amount: 30n,
      }),
    ]);
  });
});
