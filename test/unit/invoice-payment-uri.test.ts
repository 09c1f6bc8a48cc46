/** The checkout's payment_uri (what the page's QR code encodes) asks for what is left to pay, as amount_due does. */
import { describe, expect, it } from 'vitest';
import { checkoutView } from '../../api/invoices/views.js';
import type { Currency } from '../../domain/currencies.js';
import type { Checkout } from '../../services/invoices/service.js';
import type { Invoice } from '../../services/invoices/store.js';
import { newInvoice } from '../support/merchant.js';

const { idempotencyKey: _, ...stored } = newInvoice('merchant-1');
const invoice: Invoice = {
  ...stored,
  id: 'inv-1',
  status: 'processing',
  settledValue: null,
  fee: null,
  markedBy: null,
  markNote: null,
  updatedAt: stored.createdAt,
};
const evm = (code: string, tokenContract: string | null): Currency => ({
  code,
  name: code,
  kind: 'crypto',
  scale: tokenContract ? 6 : 18,
  network: 'evm',
  tokenContract,
  enabled: true,
});

/** 25 due at the locked price, 4 of it paid and final: 21 left. */
function partlyPaid(scale: number): Checkout {
  const unit = 10n ** BigInt(scale);
  return {
    quote: { currency: 'X', price: '1', base: 25n * unit, conversionFee: 0n, due: 25n * unit, lockedAt: new Date(0) },
    due: { amount: 21n * unit, conversionFee: 0n },
    destination: { chain: 'evm-31337', address: '0xabc', destinationTag: null },
  };
}

describe('payment_uri after a partial payment', () => {
  it('asks a token transfer for what is left, in minor units', () => {
    const usdt = evm('USDT', '0xtoken');
    const view = checkoutView(invoice, usdt, partlyPaid(6));
    expect(view.amount_due).toBe('21.000000');
    expect(view.payment_uri).toBe('ethereum:0xtoken@31337/transfer?address=0xabc&uint256=21000000');
  });

  it('asks a native payment for what is left, in wei', () => {
    const view = checkoutView(invoice, evm('ETH', null), partlyPaid(18));
    expect(view.payment_uri).toBe(`ethereum:0xabc@31337?value=${21n * 10n ** 18n}`);
  });
});
