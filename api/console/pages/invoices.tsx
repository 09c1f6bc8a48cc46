/**
 * Invoices: the newest by state, and an invoice's page with every payment it heard of (late and partial ones too) and
 * the operator's marks, settled or invalid, each confirmed and recorded with the operator through the invoice's
 * workflow (invoices' client, as the admin API's route does).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { INVOICE_STATUSES, markRefusal, type OperatorMark } from '../../../domain/invoices/status.js';
import { invoiceById, listInvoices, markInvoice, paymentsOf, payableCurrencies } from '../../../services/invoices/client.js';
import { invoiceWorkflowId } from '../../../workflows/invoices/messages.js';
import type { ApiDeps } from '../../context.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseForm, parseInput } from '../forms.js';
import { amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, DefinitionList, PostForm, Select, TextArea, when } from '../ui.js';
import { found } from '../../http/problem.js';

const SHOWN = 50;
const IdParam = z.object({ id: z.uuid() });
const ListQuery = z.object({ status: z.enum(INVOICE_STATUSES).optional() });
const label = (status: string) => status.replaceAll('_', ' ');

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;
  const detailPath = (id: string) => `${CONSOLE_BASE}/invoices/${id}`;

  router.get('/', async (c) => {
    const { status } = parseInput(ListQuery, c.req.query());
    const [rows, fmt] = await Promise.all([listInvoices(deps.sql, { status, limit: SHOWN }), amounts(deps)]);
    return render(
      c,
      'Invoices',
      <>
        <nav class="tabs" aria-label="States">
          <a href={`${CONSOLE_BASE}/invoices`} aria-current={status === undefined ? 'page' : undefined}>
            all
          </a>
          {INVOICE_STATUSES.map((s) => (
            <a href={`${CONSOLE_BASE}/invoices?status=${s}`} aria-current={s === status ? 'page' : undefined}>
              {label(s)}
            </a>
          ))}
        </nav>
        <p>
          <TemporalLink
            ui={ui}
            attributes={{ SluiceKind: 'invoice', ...(status ? { SluiceStatus: status } : {}) }}
            label="Invoices"
          />
        </p>
        <table>
          <caption>
            The newest {SHOWN} invoices{status ? ` ${label(status)}` : ''}
          </caption>
          <thead>
            <tr>
              <th>Created</th>
              <th class="num">Amount</th>
              <th>State</th>
              <th>Merchant</th>
              <th>Order</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr data-invoice={i.id}>
                <td>
                  <a href={detailPath(i.id)}>{when(i.createdAt)}</a>
                </td>
                <td class="num">{fmt(i.amount, i.currency)}</td>
                <td>{label(i.status)}</td>
                <td class="mono">{i.merchantId}</td>
                <td>{i.orderId}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p>None.</p>}
      </>,
    );
  });

  /** An invoice's page; a refused mark's form comes back on it as sent (refused-form.tsx). */
  const invoicePage = async (c: Context<ConsoleEnv>) => {
    const { id } = parseInput(IdParam, c.req.param());
    const done = INVOICE_STATUSES.find((s) => s === c.req.query('done'));
    const invoice = found(await invoiceById(deps.sql, id), 'no such invoice');
    const [payments, fmt, payable] = await Promise.all([
      paymentsOf(deps.sql, id),
      amounts(deps),
      payableCurrencies(deps, invoice).then((codes) => new Set(codes)),
    ]);
    const csrf = c.get('csrfToken');
    const marks = (
      [
        ['marked_settled', 'Settled'],
        ['marked_invalid', 'Invalid'],
      ] as Array<[OperatorMark, string]>
    ).filter(([mark]) => markRefusal(invoice.status, mark) === null);
    return render(
      c,
      `Invoice ${fmt(invoice.amount, invoice.currency)}`,
      <>
        <DefinitionList
          items={[
            ['State', <strong data-state>{label(invoice.status)}</strong>],
            ['Amount', fmt(invoice.amount, invoice.currency)],
            // a currency disabled since the invoice was made is no longer offered to its payer
            ['Accepts', invoice.acceptedCurrencies.map((code) => (payable.has(code) ? code : `${code} (disabled)`)).join(', ')],
            ['Merchant', <code>{invoice.merchantId}</code>],
            ['Order', invoice.orderId],
            ['Expires', when(invoice.expiresAt)],
            ['Settled for', invoice.settledValue === null ? null : fmt(invoice.settledValue, invoice.currency)],
            ['Fee', invoice.fee === null ? null : fmt(invoice.fee, invoice.currency)],
            ['Marked by', invoice.markedBy && `${invoice.markedBy}${invoice.markNote ? `: ${invoice.markNote}` : ''}`],
            [
              'Workflow',
              <TemporalLink ui={ui} attributes={{ WorkflowId: invoiceWorkflowId(id) }} label={invoiceWorkflowId(id)} />,
            ],
          ]}
        />
        <h2>Payments</h2>
        <table>
          <caption>Every payment the invoice heard of, oldest first</caption>
          <thead>
            <tr>
              <th>Seen</th>
              <th class="num">Amount</th>
              <th>From</th>
              <th>State</th>
              <th>Late</th>
              <th>Went to</th>
            </tr>
          </thead>
          <tbody>
            {payments.map((p) => (
              <tr>
                <td>{when(p.seenAt)}</td>
                <td class="num">{fmt(p.amount, p.currency)}</td>
                <td>{p.source}</td>
                <td>{p.state}</td>
                <td>{p.seenAt > invoice.expiresAt ? 'yes' : ''}</td>
                <td>{p.disposition}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {payments.length === 0 && <p>None.</p>}
        <h2>Actions</h2>
        <div class="actions">
          {marks.length > 0 ? (
            <PostForm action={`/invoices/${id}/mark`} csrfToken={csrf}>
              <Select name="mark" label="Mark as" options={marks} />
              <TextArea name="note" label="Why" required />
              <Confirm
                id="mark"
                what="Mark this invoice: settled sends what was paid to the merchant as its settlement, invalid as paid, to refund"
              />
              <button type="submit">Mark</button>
            </PostForm>
          ) : (
            <p>No operator action in this state.</p>
          )}
        </div>
      </>,
      // the state the mark led to, as the redirect says; any other text in a link is no notice of ours
      { notice: done ? `Marked: the invoice is ${label(done)}.` : undefined },
    );
  };
  router.get('/:id', invoicePage);

  router.post(
    '/:id/mark',
    refusable(invoicePage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const form = await parseForm(
        c,
        z.object({
          confirm: Confirmed,
          mark: z.enum(['marked_settled', 'marked_invalid']),
          note: z.string().trim().min(3).max(500),
        }),
      );
      const invoice = found(await invoiceById(deps.sql, id), 'no such invoice');
      const status = await markInvoice(deps.temporal, invoice, {
        mark: form.mark,
        operatorId: c.get('operator').id,
        note: form.note,
      });
      return c.redirect(`${detailPath(id)}?done=${status}`, 303);
    }),
  );
}

export const invoicesPage: ConsolePage = { path: '/invoices', title: 'Invoices', roles: OPERATOR_ROLES, routes };
