/**
 * The public checkout page, /pay/{id} (no login, server-rendered, no SPA build): the amount, a choice of the accepted
 * currencies, then for the chosen one the amount due at its locked price, the address (and XRPL tag) with a QR code,
 * a countdown, and the live state (checkout-script.ts polls the public JSON view).
 */
import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import QRCode from 'qrcode';
import { DomainError } from '../../domain/errors.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import { paymentsOf } from '../../services/invoices/payments-store.js';
import { quotesOf } from '../../services/invoices/quotes-store.js';
import { payableCurrencies } from '../../services/invoices/payable-currencies.js';
import { checkout, publicInvoice, type InvoiceDeps } from '../../services/invoices/service.js';
import { invoiceById, type Invoice } from '../../services/invoices/store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { HtmlDocument } from '../http/html-document.js';
import { money } from '../http/money.js';
import { CHECKOUT_SCRIPT } from './checkout-script.js';
import { checkoutView } from './views.js';

const LABELS: Record<InvoiceStatus, string> = {
  new: 'Awaiting payment',
  processing: 'Payment seen, confirming',
  settled: 'Paid',
  paid_over: 'Paid (more than due)',
  expired: 'Expired',
  paid_partial: 'Expired, partly paid',
  invalid: 'Invalid: payment not confirmed in time',
  paid_late: 'Paid after expiry',
  marked_settled: 'Paid',
  marked_invalid: 'Invalid',
};

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2230;margin:0}
main{max-width:30rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;box-shadow:0 2px 12px #0001}
h1{font-size:1.2rem;margin:0 0 .25rem}.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
.muted{color:#5b6275}.row{display:flex;justify-content:space-between;gap:1rem;margin:.4rem 0}
.status{font-weight:600}.qr svg{width:220px;height:220px;display:block;margin:1rem auto}
code{word-break:break-all;background:#f0f1f4;padding:.15rem .3rem;border-radius:4px}
form{display:flex;gap:.5rem;margin:1rem 0}select,button{font-size:1rem;padding:.4rem .6rem}
.error{color:#a31b1b}
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only this page's own style and script (by their hashes), polling this origin, posting its form here; never framed. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(CHECKOUT_SCRIPT)}`,
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function Page(props: { title: string; children: Child }) {
  return (
    <HtmlDocument title={`${props.title} · Sluice checkout`} head={<style>{raw(STYLE)}</style>}>
      <main>{props.children}</main>
      <script>{raw(CHECKOUT_SCRIPT)}</script>
    </HtmlDocument>
  );
}

async function payment(deps: ApiDeps, invoices: InvoiceDeps, invoice: Invoice, code: string) {
  const currency = await deps.currencies.get(code);
  if (!currency) return null;
  const view = checkoutView(invoice, currency, await checkout(invoices, invoice.id, currency));
  const qr = view.payment_uri ? await QRCode.toString(view.payment_uri, { type: 'svg', margin: 1 }) : null;
  return { view, qr };
}

export function checkoutPage(app: OpenAPIHono<AppEnv>, deps: ApiDeps, invoices: InvoiceDeps) {
  app.use('/pay/*', async (c, next) => {
    await next();
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
  });
  const show = async (c: Context<AppEnv>, chosen: string | null, error: string | null = null) => {
    const invoice = await invoiceById(deps.sql, c.req.param('id') ?? '').catch(() => null);
    if (!invoice) return c.html(<Page title="Not found">{<p class="error">There is no such invoice.</p>}</Page>, 404);
    const currency = (await deps.currencies.get(invoice.currency))!;
    const [quotes, payments] = await Promise.all([quotesOf(deps.sql, invoice.id), paymentsOf(deps.sql, invoice.id)]);
    const locked = quotes.map((q) => q.currency);
    // as the script shows it, until its first poll
    const received = await Promise.all(
      payments
        .filter((p) => p.state !== 'dropped')
        .map(async (p) => {
          const paid = money(p.amount, (await deps.currencies.get(p.currency))!);
          return `${paid} ${p.currency} (${p.state === 'final' ? 'confirmed' : 'confirming'})`;
        }),
    );
    // a currency disabled since the invoice was made is no longer offered (a stale form's POST is told why)
    const offered = await payableCurrencies(invoices, invoice);
    // a currency is shown with its address once picked (its price locked, by the form's POST); the last one by default
    const code = chosen && locked.includes(chosen) ? chosen : (locked.filter((l) => offered.includes(l)).at(-1) ?? null);
    let pay: Awaited<ReturnType<typeof payment>> = null;
    if (code && (invoice.status === 'new' || invoice.status === 'processing')) {
      try {
        pay = await payment(deps, invoices, invoice, code);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        error = e.message;
      }
    }
    const title = invoice.description ?? 'Invoice';
    return c.html(
      <Page title={title}>
        <div
          data-invoice={invoice.id}
          data-expires={invoice.expiresAt.toISOString()}
          data-state={invoice.status}
          data-labels={JSON.stringify(LABELS)}
        >
          <h1>{title}</h1>
          <div class="amount">
            {money(invoice.amount, currency)} {invoice.currency}
          </div>
          <div class="row">
            <span class="muted">Status</span>
            <span class="status" data-status>
              {LABELS[invoice.status]}
            </span>
          </div>
          <div class="row">
            <span class="muted">Time left</span>
            <span data-countdown>…</span>
          </div>
          <div class="row">
            <span class="muted">Received</span>
            <span data-paid>{received.length === 0 ? 'No payment seen yet' : received.join(', ')}</span>
          </div>
          <form method="post" action={`/pay/${invoice.id}`}>
            <label for="currency">Pay with</label>
            <select id="currency" name="currency">
              {offered.map((a) => (
                <option value={a} selected={a === code}>
                  {a}
                </option>
              ))}
            </select>
            <button type="submit">Show payment details</button>
          </form>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {pay && (
            <section data-payment={pay.view.currency}>
              <div class="row">
                <span class="muted">Send exactly</span>
                <strong data-amount-due>
                  {pay.view.amount_due} {pay.view.currency}
                </strong>
              </div>
              {pay.view.currency !== invoice.currency && (
                <p class="muted">
                  Price locked at {pay.view.price} {invoice.currency} per {pay.view.currency}, conversion fee{' '}
                  {pay.view.conversion_fee} {pay.view.currency} included.
                </p>
              )}
              {pay.view.address ? (
                <>
                  <div class="row">
                    <span class="muted">To</span>
                    <code data-address>{pay.view.address}</code>
                  </div>
                  {pay.view.destination_tag && (
                    <div class="row">
                      <span class="muted">Destination tag</span>
                      <code data-tag>{pay.view.destination_tag}</code>
                    </div>
                  )}
                  {pay.qr && <div class="qr">{raw(pay.qr)}</div>}
                </>
              ) : (
                <p class="muted">Pay {pay.view.currency} from your Sluice balance.</p>
              )}
            </section>
          )}
          {invoice.redirectUrl && (
            <p>
              <a href={invoice.redirectUrl}>Back to the shop</a>
            </p>
          )}
        </div>
      </Page>,
      200,
    );
  };

  app.get('/pay/:id', (c) => show(c, c.req.query('currency') ?? null));
  app.post('/pay/:id', async (c) => {
    const form = await c.req.parseBody();
    const chosen = typeof form.currency === 'string' ? form.currency : '';
    const invoice = await publicInvoice(invoices, c.req.param('id')).catch(() => null);
    if (!invoice || !invoice.acceptedCurrencies.includes(chosen)) return show(c, null, 'Pick one of the listed currencies.');
    try {
      await checkout(invoices, invoice.id, (await deps.currencies.get(chosen))!);
    } catch (e) {
      if (e instanceof DomainError) return show(c, null, e.message);
      throw e;
    }
    return c.redirect(`/pay/${invoice.id}?currency=${encodeURIComponent(chosen)}`, 303);
  });
}
