import { describe, expect, it } from 'vitest';
import { quoteForAmountIn, quoteForAmountOut, swapRate, type SwapTerms } from '../../domain/fast-exchange/quote.js';
import { invert, parseRate } from '../../domain/rates/rate.js';

const r = (text: string) => parseRate(text)!;
const btcUsdt = { base: 'BTC', quote: 'USDT' };

describe('swap rates', () => {
  it('gives a seller of the base the bid and charges a buyer the ask', () => {
    expect(swapRate(btcUsdt, 'BTC', r('90000'), 2_000n)).toEqual(r('89820'));
    expect(swapRate(btcUsdt, 'USDT', r('90000'), 2_000n)).toEqual(invert(r('90180')));
  });
});

describe('quotes round in the house’s favour, to the minor unit', () => {
  // selling BTC (8 decimals) for USDT (6) at the 89,820 bid, 0.2% fee
  const sell: SwapTerms = { rate: r('89820'), feePpm: 2_000n, fromScale: 8, toScale: 6 };
  // buying BTC with USDT at the 90,180 ask
  const buy: SwapTerms = { rate: invert(r('90180')), feePpm: 2_000n, fromScale: 6, toScale: 8 };

  it('amount_in: the fee rounds up, what the user receives rounds down', () => {
    expect(quoteForAmountIn(10_000_000n, sell)).toEqual({ amountIn: 10_000_000n, fee: 20_000n, amountOut: 8_964_036_000n });
    // 0.00000001 BTC: the fee rounds up to the whole of it, nothing is left to buy with
    expect(quoteForAmountIn(1n, sell)).toEqual({ amountIn: 1n, fee: 1n, amountOut: 0n });
    // 100 USDT − 0.2 fee = 99.8 USDT / 90,180 = 0.00110667…, rounded down
    expect(quoteForAmountIn(100_000_000n, buy)).toEqual({ amountIn: 100_000_000n, fee: 200_000n, amountOut: 110_667n });
    expect(quoteForAmountIn(1_001n, buy).fee).toBe(3n); // 2.002 → 3
  });

  it('amount_out: the least amount_in that buys it, exactly', () => {
    // 0.00110667 BTC costs 99.7995006 USDT net (rounded up to 99.799501), and 99.7995006 / 0.998 = 99.9995: the fee is 0.199999
    expect(quoteForAmountOut(110_667n, buy)).toEqual({ amountIn: 99_999_500n, fee: 199_999n, amountOut: 110_667n });
    expect(quoteForAmountOut(8_964_036_000n, sell)).toEqual({ amountIn: 10_000_000n, fee: 20_000n, amountOut: 8_964_036_000n });
  });

  it('amount_out and amount_in agree: the quoted amount_in buys at least amount_out, one unit less does not', () => {
    const terms: SwapTerms[] = [
      sell,
      buy,
      { rate: r('41.52075'), feePpm: 5_000n, fromScale: 6, toScale: 2 },
      { rate: invert(r('41.52075')), feePpm: 0n, fromScale: 2, toScale: 6 },
      { rate: r('0.000001'), feePpm: 999_999n, fromScale: 0, toScale: 18 },
      { rate: r('3'), feePpm: 333_333n, fromScale: 2, toScale: 2 },
    ];
    let seed = 42n;
    const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
    for (const t of terms) {
      for (let i = 0; i < 300; i++) {
        const wanted = (next() % 10n ** BigInt(1 + (i % 12))) + 1n;
        const quote = quoteForAmountOut(wanted, t);
        expect(quoteForAmountIn(quote.amountIn, t).amountOut).toBeGreaterThanOrEqual(wanted);
        expect(quote.fee).toBe(quoteForAmountIn(quote.amountIn, t).fee);
        if (quote.amountIn > 1n) expect(quoteForAmountIn(quote.amountIn - 1n, t).amountOut).toBeLessThan(wanted);
      }
    }
  });
});
