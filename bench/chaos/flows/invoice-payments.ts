/**
 * Invoices paid from Sluice balances in the flows storm: the customer picks the currency at checkout (the invoice's
 * USDT, or XRP at the locked price with the conversion fee on top), then two payers pay the same invoice at once, each
 * retrying under their own Idempotency-Key: one payment must be taken, the other refused (409). The invoices join the
 * storm's on-chain ones (settled, announced, the merchant credited once). Counts invoices paid other than once (their
 * payments ≠ one of what was due), payments no payer was told of, and conversion fees booked other than once.
 */
import { parseUnits } from 'ethers';
import type { ChaosRow } from '../support.js';
import type { FlowsContext, StormFlow, StormUser } from './context.js';

const SCALE: Record<string, number> = { USDT: 6, XRP: 6 };

export async function invoicePaymentFlow(
  ctx: FlowsContext,
  count: number,
  scenario: string,
  merchant: StormUser,
  invoices: Set<string>,
): Promise<StormFlow> {
  const { api, sql } = ctx.stack;
  const payers = await ctx.fundedUsers('flows-payer', ['USDT', 'XRP']);
  const paidIn = new Map<string, string>(); // invoice → the currency it was paid in
  const payments = new Set<string>(); // those acknowledged to their payer
  const pay = async (invoice: string, currency: string, payer: StormUser, key: string) => {
    const paid = await ctx.post('pay', `/v1/invoices/${invoice}/pay`, { currency }, payer.token, key);
    ctx.must('pay', paid, 201, 409);
    if (paid.status !== 201 || payments.has(paid.body.payment_id)) return;
    payments.add(paid.body.payment_id);
    ctx.book(payer.id, currency, -parseUnits(paid.body.amount, SCALE[currency]));
  };
  const run = () =>
    ctx.spread(count, async (i) => {
      const body = { amount: '25', currency: 'USDT', accepted_currencies: ['USDT', 'XRP'], expires_in: 3600 };
      const created = await ctx.post('invoice', '/v1/invoices', body, merchant.token, `flows-balance-invoice-${i}`);
      const invoice = String(ctx.must('invoice', created, 201).id);
      invoices.add(invoice);
      const currency = i % 2 === 0 ? 'USDT' : 'XRP';
      paidIn.set(invoice, currency);
      ctx.must('checkout', await ctx.call(() => api.post(`/v1/invoices/${invoice}/checkout`, { currency }), 'checkout'), 200);
      const [first, second] = [payers[i % payers.length]!, payers[(i + 1) % payers.length]!];
      await Promise.all([pay(invoice, currency, first, `flows-pay-${i}-a`), pay(invoice, currency, second, `flows-pay-${i}-b`)]);
    });
  // settled and announced with the storm's invoices
  const open = async () => 0;
  const check = async (): Promise<ChaosRow[]> => {
    const ids = [...paidIn.keys()];
    // every invoice the clients created, with the quote of the currency it was paid in (none: counted as wrong)
    const [counts] = await sql`
      with paid as (
        select k.id, k.currency, q.due, q.conversion_fee,
               (select count(*) from invoice_payments p where p.invoice_id = k.id) as payments,
               (select coalesce(sum(p.amount), 0) from invoice_payments p where p.invoice_id = k.id) as amount,
               (select array_agg(t.amount) from ledger_transfers t
                 where t.key like 'invoice:' || k.id || ':payment:%:conversion-fee') as fees
        from unnest(${ids}::uuid[], ${[...paidIn.values()]}::text[]) as k(id, currency)
        left join invoice_quotes q on q.invoice_id = k.id and q.currency = k.currency)
      select count(*) filter (where payments <> 1 or amount is distinct from due)::int as paid_wrong,
             count(*) filter (where case when currency = 'USDT' then fees is not null
                                         else fees is null or cardinality(fees) <> 1 or fees[1] <> conversion_fee end)::int as fees_wrong,
             (select count(*)::int from invoice_payments where payer_id = any(${payers.map((p) => p.id)}::uuid[])) as stored,
             count(*) filter (where currency <> 'USDT' and fees is not null)::int as converted
      from paid`;
    console.log(`  balance-paid invoices: ${ids.length}, ${counts!.converted} paid in XRP with their conversion fee`);
    return [
      { scenario, count: `balance-paid invoices not created once (of ${count})`, value: count - paidIn.size },
      { scenario, count: 'invoices paid from balances other than once (payments ≠ what was due)', value: counts!.paidWrong },
      { scenario, count: 'balance payments stored but not acknowledged', value: counts!.stored - payments.size },
      { scenario, count: 'conversion fees booked other than once', value: counts!.feesWrong },
    ];
  };
  return { users: payers, run, open, check };
}
