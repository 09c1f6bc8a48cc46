/** Pairs as unit tests use them, configured as the seeded ones. */
import type { Pair } from '../../domain/exchange/pairs.js';

// BTC/USDT: a lot is 0.0001 BTC (10,000 sat), a tick 0.01 USDT (10,000 micro-USDT); one lot at one tick is 1 micro-USDT
export const BTC_USDT: Pair = {
  code: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  baseScale: 8,
  quoteScale: 6,
  tickSize: 10_000n,
  lotSize: 10_000n,
  minAmount: 10_000n,
  maxAmount: 100n * 10n ** 8n,
  makerFeePpm: 1_000n, // 0.1%
  takerFeePpm: 2_000n, // 0.2%
  enabled: true,
};
