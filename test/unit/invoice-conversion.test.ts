/** Paying an invoice in another currency: the locked price, the conversion fee and every rounding, to the minor unit. */
import { describe, expect, it } from 'vitest';
import { identityQuote, parsePrice, paymentWorth, quoteFor, valueOfPayment, worthAt } from '../../domain/invoices/conversion.js';
import { invoiceFee } from '../../domain/invoices/ledger.js';

const price = (text: string) => parsePrice(text)!;

describe('parsePrice', () => {
  it('reads a decimal as an exact fraction', () => {
    expect(parsePrice('3012.5')).toEqual({ numerator: 30125n, denominator: 10n });
    expect(parsePrice('1')).toEqual({ numerator: 1n, denominator: 1n });
  });
  it.each(['0', '0.000', '-1', '1e3', '', 'abc', '1.'])('refuses %j', (text) => {
    expect(parsePrice(text)).toBeNull();
  });
});

describe('quoteFor', () => {
  it('converts 100.00 USD to USDT at 1.0002 USD per USDT with a 0.5% fee, rounding what is owed up', () => {
    // 10000 cents / 1.0002 = 99.980003999... USDT → 99980004 micro-USDT (rounded up)
    const quote = quoteFor({ amount: 10_000n, invoiceScale: 2, payScale: 6, price: price('1.0002'), conversionFeePpm: 5_000n });
    expect(quote.base).toBe(99_980_004n);
    // 0.5% of 99980004 = 499900.02 → 499901 (rounded up)
    expect(quote.conversionFee).toBe(499_901n);
    expect(quote.due).toBe(100_479_905n);
  });

  it('rounds the total with its conversion fee up once: 1000.00 UAH in USD at 41.5 is 24.22, not 24.23', () => {
    // 1000 / 41.5 = 24.0963… USD → shown 24.10; × 1.005 = 24.2168… → 24.22 due, so the fee as charged is 0.12
    const quote = quoteFor({ amount: 100_000n, invoiceScale: 2, payScale: 2, price: price('41.5'), conversionFeePpm: 5_000n });
    expect(quote).toEqual({ base: 2_410n, conversionFee: 12n, due: 2_422n });
  });

  it('owes the least whole minor units covering the exact amount with its fee, and reports the fee as due − base', () => {
    for (const [amount, text, feePpm] of [
      [100_000n, '41.5', 5_000n],
      [999n, '7.77', 5_000n],
      [123_456n, '0.000123', 12_345n],
      [10_000n, '1.0002', 0n],
    ] as const) {
      const p = price(text);
      const quote = quoteFor({ amount, invoiceScale: 2, payScale: 6, price: p, conversionFeePpm: feePpm });
      // due × price ≥ amount × (1 + fee), and one unit less is short of it
      const owed = amount * p.denominator * 1_000_000n * (1_000_000n + feePpm);
      expect(quote.due * p.numerator * 100n * 1_000_000n >= owed).toBe(true);
      expect((quote.due - 1n) * p.numerator * 100n * 1_000_000n < owed).toBe(true);
      expect(quote.conversionFee).toBe(quote.due - quote.base);
    }
  });

  it('converts to a currency with more decimals than its price has (ETH at 3012.50 USD)', () => {
    const quote = quoteFor({ amount: 2_500n, invoiceScale: 2, payScale: 18, price: price('3012.50'), conversionFeePpm: 0n });
    // 25 / 3012.5 = 0.008298755186721991701... ETH
    expect(quote.base).toBe(8_298_755_186_721_992n);
    expect(quote).toMatchObject({ conversionFee: 0n, due: 8_298_755_186_721_992n });
  });

  it('never owes less than the exact conversion: base × price ≥ amount', () => {
    for (const [amount, text] of [
      [1n, '0.3'],
      [999n, '7.77'],
      [123_456n, '0.000123'],
    ] as const) {
      const p = price(text);
      const { base } = quoteFor({ amount, invoiceScale: 2, payScale: 6, price: p, conversionFeePpm: 0n });
      expect(base * p.numerator * 100n >= amount * p.denominator * 1_000_000n).toBe(true);
      expect((base - 1n) * p.numerator * 100n < amount * p.denominator * 1_000_000n).toBe(true);
    }
  });
});

describe('valueOfPayment', () => {
  const quote = quoteFor({ amount: 10_000n, invoiceScale: 2, payScale: 6, price: price('1.0002'), conversionFeePpm: 5_000n });

  it('paying exactly what is due is worth the whole invoice and carries the whole conversion fee', () => {
    expect(valueOfPayment(quote.due, quote, 10_000n)).toEqual({ value: 10_000n, conversionFee: 499_901n });
  });

  it('one minor unit short is worth less than the invoice (rounded down)', () => {
    expect(valueOfPayment(quote.due - 1n, quote, 10_000n).value).toBe(9_999n);
  });

  it('half is worth half, its fee rounded up', () => {
    const half = quote.due / 2n; // 50239952
    expect(valueOfPayment(half, quote, 10_000n)).toEqual({ value: 4_999n, conversionFee: 249_951n });
  });

  it('the least payment worth what is left settles it exactly (paymentWorth inverts valueOfPayment)', () => {
    for (const left of [1n, 3_333n, 6_000n, 10_000n]) {
      const paid = paymentWorth(left, quote, 10_000n);
      expect(valueOfPayment(paid, quote, 10_000n).value).toBeGreaterThanOrEqual(left);
      expect(valueOfPayment(paid - 1n, quote, 10_000n).value).toBeLessThan(left);
    }
    expect(paymentWorth(10_000n, quote, 10_000n)).toBe(quote.due);
  });

  it('the invoice currency itself converts one to one', () => {
    expect(valueOfPayment(7_000n, identityQuote(10_000n), 10_000n)).toEqual({ value: 7_000n, conversionFee: 0n });
  });
});

describe('invoiceFee and worthAt', () => {
  it('charges the fee on what was paid, rounded up; an overpayment only up to the invoice amount', () => {
    expect(invoiceFee(10_000n, 10_000n, 10_000n)).toBe(100n);
    // an overpayment: 1% of the 100.01 the invoice asked, not of the 100.50 paid
    expect(invoiceFee(10_050n, 10_001n, 10_000n)).toBe(101n);
    // a partial payment an operator settles: 1% of what was paid, not of the invoice (4 USDT of 500: 0.04, not 3.98)
    expect(invoiceFee(4_000_000n, 500_000_000n, 10_000n)).toBe(40_000n);
    expect(invoiceFee(300n, 1_000n, 10_000n)).toBe(3n);
    expect(invoiceFee(50n, 10_000n, 10_000n)).toBe(1n);
    expect(invoiceFee(0n, 10_000n, 10_000n)).toBe(0n);
  });

  it('values an amount in USD cents, rounded down, for the limits', () => {
    expect(worthAt(1_500_000n, 6, 2, price('0.9998'))).toBe(149n);
    expect(worthAt(10n ** 18n, 18, 2, price('3012.505'))).toBe(301_250n);
  });
});
