/** The invoice's rule: which state to record next from what was paid and when, and where each payment's money goes. */
import { describe, expect, it } from 'vitest';
import { leftToPay, nextStep, paymentForRest, quoteOf } from '../../domain/invoices/assessment.js';
import type { InvoiceFacts, PaymentFact } from '../../domain/invoices/facts.js';
import { disbursementOf } from '../../domain/invoices/ledger.js';
import { markRefusal } from '../../domain/invoices/status.js';

const T0 = 1_000_000;
const EXPIRES = T0 + 900_000;
const MONITOR = EXPIRES + 3_600_000;

const invoice = (over: Partial<InvoiceFacts> = {}): InvoiceFacts => ({
  id: 'inv',
  merchantId: 'm',
  status: 'new',
  currency: 'USDT',
  amount: '100000000',
  feePpm: '10000',
  expiresAt: EXPIRES,
  monitoringUntil: MONITOR,
  quotes: [
    { currency: 'USDT', base: '100000000', conversionFee: '0', due: '100000000' },
    { currency: 'ETH', base: '50000000000000000', conversionFee: '250000000000000', due: '50250000000000000' },
  ],
  payments: [],
  ...over,
});
let ids = 0;
const payment = (over: Partial<PaymentFact>): PaymentFact => ({
  id: String(++ids),
  currency: 'USDT',
  amount: '100000000',
  state: 'final',
  seenAt: T0 + 1_000,
  disposition: null,
  ...over,
});

describe('nextStep', () => {
  it('waits for the deadline while nothing is paid, then expires', () => {
    expect(nextStep(invoice(), T0)).toEqual({ kind: 'wait', until: EXPIRES });
    expect(nextStep(invoice(), EXPIRES)).toEqual({ kind: 'record', status: 'expired', dispose: [] });
  });

  it('is processing once a payment is seen, and settles only once it is final (never before confirmations)', () => {
    const seen = payment({ state: 'seen' });
    expect(nextStep(invoice({ payments: [seen] }), T0 + 2_000)).toEqual({ kind: 'record', status: 'processing', dispose: [] });
    expect(nextStep(invoice({ status: 'processing', payments: [seen] }), T0 + 2_000)).toEqual({ kind: 'wait', until: EXPIRES });
    const final = { ...seen, state: 'final' as const };
    expect(nextStep(invoice({ status: 'processing', payments: [final] }), T0 + 3_000)).toEqual({
      kind: 'record',
      status: 'settled',
      dispose: [{ paymentId: final.id, as: 'settlement' }],
    });
  });

  it('waits through the monitoring window for a payment seen in time, then is invalid', () => {
    const seen = payment({ state: 'seen' });
    const facts = invoice({ status: 'processing', payments: [seen] });
    expect(nextStep(facts, EXPIRES + 1)).toEqual({ kind: 'wait', until: MONITOR });
    expect(nextStep(facts, MONITOR)).toEqual({ kind: 'record', status: 'invalid', dispose: [] });
  });

  it('settles a partial payment completed in time; a partial one left at the deadline is paid_partial and returned', () => {
    const first = payment({ amount: '40000000' });
    const second = payment({ amount: '60000000', seenAt: T0 + 5_000 });
    expect(nextStep(invoice({ status: 'processing', payments: [first] }), T0 + 4_000)).toEqual({ kind: 'wait', until: EXPIRES });
    expect(nextStep(invoice({ status: 'processing', payments: [first, second] }), T0 + 6_000)).toMatchObject({
      status: 'settled',
      dispose: [
        { paymentId: first.id, as: 'settlement' },
        { paymentId: second.id, as: 'settlement' },
      ],
    });
    expect(nextStep(invoice({ status: 'processing', payments: [first] }), EXPIRES)).toEqual({
      kind: 'record',
      status: 'paid_partial',
      dispose: [{ paymentId: first.id, as: 'returned' }],
    });
  });

  it('marks an overpayment paid_over, and values payments in other currencies at their locked price', () => {
    expect(nextStep(invoice({ payments: [payment({ amount: '100000001' })] }), T0 + 2_000)).toMatchObject({
      status: 'paid_over',
    });
    expect(nextStep(invoice({ payments: [payment({ currency: 'ETH', amount: '50250000000000000' })] }), T0)).toMatchObject({
      status: 'settled',
    });
    const short = payment({ currency: 'ETH', amount: '50249999999999999' });
    expect(nextStep(invoice({ status: 'processing', payments: [short] }), T0)).toEqual({
      kind: 'wait',
      until: EXPIRES,
    });
  });

  it('a payment after the end is paid_late (paid_over after a settlement), its money to the merchant as it was', () => {
    const late = payment({ seenAt: EXPIRES + 10 });
    expect(nextStep(invoice({ status: 'expired', payments: [late] }), EXPIRES + 20)).toEqual({
      kind: 'record',
      status: 'paid_late',
      dispose: [{ paymentId: late.id, as: 'late' }],
    });
    expect(nextStep(invoice({ status: 'settled', payments: [late] }), EXPIRES + 20)).toMatchObject({ status: 'paid_over' });
    expect(nextStep(invoice({ status: 'expired', payments: [{ ...late, disposition: 'late' }] }), EXPIRES + 20)).toEqual({
      kind: 'wait',
      until: null,
    });
  });

  it("records an operator's mark, settling what was paid or returning it", () => {
    const paid = payment({ amount: '1000' });
    expect(nextStep(invoice({ status: 'paid_partial', payments: [paid] }), EXPIRES, 'marked_settled')).toEqual({
      kind: 'record',
      status: 'marked_settled',
      dispose: [{ paymentId: paid.id, as: 'settlement' }],
    });
    expect(markRefusal('settled', 'marked_invalid')).toMatch(/already settled/);
    expect(markRefusal('expired', 'marked_settled')).toBeNull();
  });

  it('settles an invoice found paid in full in the same look as a mark, which it refuses, as it refuses a mark its state does not allow', () => {
    const full = payment({});
    for (const mark of ['marked_invalid', 'marked_settled'] as const) {
      expect(nextStep(invoice({ status: 'processing', payments: [full] }), T0 + 2_000, mark)).toEqual({
        kind: 'record',
        status: 'settled',
        dispose: [{ paymentId: full.id, as: 'settlement' }],
      });
      expect(nextStep(invoice({ payments: [payment({ amount: '120000000' })] }), EXPIRES + 1, mark)).toMatchObject({
        status: 'paid_over',
      });
      // a recording retried once the invoice is settled (or marked) leaves it as it is
      const settled = { ...full, disposition: 'settlement' as const };
      expect(nextStep(invoice({ status: 'settled', payments: [settled] }), T0 + 3_000, mark)).toEqual({
        kind: 'wait',
        until: null,
      });
      expect(nextStep(invoice({ status: mark, payments: [settled] }), T0 + 3_000, mark)).toEqual({ kind: 'wait', until: null });
    }
    // a payment not yet final, or not in full, leaves the mark to be recorded
    const seen = payment({ state: 'seen' });
    expect(nextStep(invoice({ status: 'processing', payments: [seen] }), T0 + 2_000, 'marked_invalid')).toEqual({
      kind: 'record',
      status: 'marked_invalid',
      dispose: [],
    });
    const part = payment({ amount: '99999999' });
    expect(nextStep(invoice({ status: 'processing', payments: [part] }), T0 + 2_000, 'marked_invalid')).toEqual({
      kind: 'record',
      status: 'marked_invalid',
      dispose: [{ paymentId: part.id, as: 'returned' }],
    });
  });
});

describe('leftToPay', () => {
  it('is the amount less what the final payments are worth, at their locked prices; seen or dropped ones count nothing', () => {
    expect(leftToPay(invoice())).toBe(100_000_000n);
    const payments = [
      payment({ amount: '40000000' }),
      payment({ currency: 'ETH', amount: '25125000000000000' }), // half of what is due in ETH: 50 USDT
      payment({ amount: '9000000', state: 'seen' }),
      payment({ amount: '9000000', state: 'dropped' }),
    ];
    expect(leftToPay(invoice({ payments }))).toBe(10_000_000n);
    expect(leftToPay(invoice({ payments: [payment({ amount: '120000000' })] }))).toBe(-20_000_000n);
  });
});

describe('disbursementOf', () => {
  it('exchanges a payment in another currency, takes the conversion fee and the invoice fee, pays the merchant', () => {
    const eth = payment({ currency: 'ETH', amount: '50250000000000000' });
    const facts = invoice({ payments: [eth] });
    const { group, settledValue, fee } = disbursementOf(facts, [{ paymentId: eth.id, as: 'settlement' }]);
    expect(settledValue).toBe(100_000_000n);
    expect(fee).toBe(1_000_000n);
    expect(group.transfers.map((t) => ('debit' in t ? [t.debit, t.credit, t.currency, t.amount] : []))).toEqual([
      ['invoice:inv', 'fees:ETH', 'ETH', 250_000_000_000_000n],
      ['invoice:inv', 'exchange:invoices', 'ETH', 50_000_000_000_000_000n],
      ['exchange:invoices', 'invoice:inv', 'USDT', 100_000_000n],
      ['invoice:inv', 'fees:USDT', 'USDT', 1_000_000n],
      ['invoice:inv', 'user:m', 'USDT', 99_000_000n],
    ]);
  });

  it('takes the invoice fee on what was paid: a partial payment an operator settles, an overpayment up to the amount', () => {
    const partial = payment({ amount: '4000000' });
    expect(disbursementOf(invoice({ payments: [partial] }), [{ paymentId: partial.id, as: 'settlement' }])).toMatchObject({
      settledValue: 4_000_000n,
      fee: 40_000n,
    });
    const over = payment({ amount: '120000000' });
    const { group, fee } = disbursementOf(invoice({ payments: [over] }), [{ paymentId: over.id, as: 'settlement' }]);
    expect(fee).toBe(1_000_000n);
    expect(group.transfers).toMatchObject([
      { credit: 'fees:USDT', amount: 1_000_000n },
      { credit: 'user:m', amount: 119_000_000n },
    ]);
  });

  it('settles with what is priced and gives a payment in a currency without a price to the merchant as it was', () => {
    const unpriced = payment({ currency: 'DOGE', amount: '5' });
    const paidInFull = { facts: invoice({ status: 'processing', payments: [payment({}), unpriced] }), mark: null };
    // an operator settles a partial payment: the same
    const marked = { facts: invoice({ status: 'processing', payments: [payment({ amount: '4000000' }), unpriced] }) };
    for (const [{ facts }, step, value] of [
      [paidInFull, nextStep(paidInFull.facts, T0 + 2_000), 100_000_000n],
      [marked, nextStep(marked.facts, T0 + 2_000, 'marked_settled'), 4_000_000n],
    ] as const) {
      expect(step).toMatchObject({ kind: 'record', status: value === 4_000_000n ? 'marked_settled' : 'settled' });
      if (step.kind !== 'record') continue;
      expect(step.dispose).toEqual([
        { paymentId: facts.payments[0]!.id, as: 'settlement' },
        { paymentId: unpriced.id, as: 'returned' },
      ]);
      const { group, settledValue } = disbursementOf(facts, step.dispose);
      expect(settledValue).toBe(value);
      expect(group.transfers).toContainEqual(
        expect.objectContaining({ debit: 'invoice:inv', credit: 'user:m', currency: 'DOGE', amount: 5n }),
      );
    }
  });

  it('returns a late payment to the merchant whole, in its own currency, without fees', () => {
    const late = payment({ currency: 'ETH', amount: '7' });
    const { group, fee } = disbursementOf(invoice({ payments: [late] }), [{ paymentId: late.id, as: 'late' }]);
    expect(fee).toBe(0n);
    expect(group.transfers).toMatchObject([{ debit: 'invoice:inv', credit: 'user:m', currency: 'ETH', amount: 7n }]);
  });
});

describe('an invoice paid in parts in another currency', () => {
  // 100 USDT at a price whose quote does not divide evenly: each part's worth rounded down on its own loses a unit
  const xrp = { currency: 'XRP', base: '33000001', conversionFee: '500000', due: '33500001' };
  const facts = (payments: PaymentFact[]) => invoice({ status: 'processing', quotes: [xrp], payments });
  const first = payment({ currency: 'XRP', amount: '16750000' });
  const second = payment({ currency: 'XRP', amount: '16750001' });

  it('settles once the parts add up to what is due: the worth is of their total, not of each part', () => {
    expect(leftToPay(facts([first, second]))).toBe(0n);
    expect(nextStep(facts([first, second]), T0 + 2_000)).toMatchObject({ kind: 'record', status: 'settled' });
  });

  it('asks a balance payment for exactly the rest of what is due in that currency', () => {
    const f = facts([first]);
    expect(paymentForRest(f, 'XRP', quoteOf(f, 'XRP')!)).toBe(16_750_001n);
    expect(paymentForRest(facts([]), 'XRP', quoteOf(f, 'XRP')!)).toBe(33_500_001n);
  });

  it('exchanges the parts for the whole amount and takes the whole conversion fee, not a unit more or less', () => {
    const parts = [first, second];
    const { group, settledValue } = disbursementOf(facts(parts), dispose(parts));
    const sum = (type: string) =>
      group.transfers.reduce((s, t) => (t.kind === 'posted' && t.metadata?.type === type ? s + t.amount : s), 0n);
    expect(settledValue).toBe(100_000_000n);
    expect(sum('invoice_conversion_fee')).toBe(500_000n);
    expect(sum('invoice_settlement') + sum('invoice_fee')).toBe(100_000_000n);
  });
});

const dispose = (payments: PaymentFact[]) => payments.map((p) => ({ paymentId: p.id, as: 'settlement' as const }));
