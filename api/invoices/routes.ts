/**
 * Invoices: merchants create and list theirs; the customer's side is public (no login): the invoice's state, picking a
 * currency to pay in. A Sluice user can pay one from their balance.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { INVOICE_STATUSES } from '../../domain/invoices/status.js';
import { paymentsOf } from '../../services/invoices/payments-store.js';
import { ratesPriceSource } from '../../services/invoices/pricing.js';
import { quotesOf } from '../../services/invoices/quotes-store.js';
import {
  checkout,
  createInvoice,
  MAX_EXPIRES_IN_SECONDS,
  MIN_EXPIRES_IN_SECONDS,
  ownInvoice,
  payFromBalance,
  publicInvoice,
  type InvoiceDeps,
} from '../../services/invoices/service.js';
import { listInvoices } from '../../services/invoices/store.js';
import { InvoiceWriter } from '../../services/invoices/writer.js';
import { checkCallbackUrl, linkReplayedOrder, orderCallback, orderId } from '../../services/orders/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { decodeCursor, encodeCursor, isPositionTime, notACursor, Positions } from '../http/pages.js';
import { requireRole } from '../http/roles.js';
import {
  CurrencyCode,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
  replayHeaders,
  problems,
  PageOf,
} from '../http/schemas.js';
import { checkoutPage } from './checkout-page.js';
import { checkoutView, CheckoutView, InvoiceView, invoiceView, PublicInvoiceView, publicInvoiceView } from './views.js';
import { guardedRoute } from '../http/routes.js';
import { storableInstant } from '../http/instants.js';

const HttpsUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
  .openapi({ example: 'https://shop.example/orders/1042' });

const METADATA_MAX_BYTES = 4096;

/**
 * Stored as jsonb, echoed in every webhook: bounded in UTF-8 bytes (not UTF-16 units: 4096 "é" are 8 KiB). An unpaired
 * surrogate, which jsonb refuses, is refused with every route's unstorable text (`domain/unstorable-text.ts`).
 */
const Metadata = z
  .record(z.string().max(64), z.unknown())
  .refine(
    (m) => Buffer.byteLength(JSON.stringify(m)) <= METADATA_MAX_BYTES,
    `must be at most ${METADATA_MAX_BYTES} bytes of JSON`,
  );

const NewInvoice = z
  .object({
    amount: DecimalString,
    currency: CurrencyCode,
    accepted_currencies: z
      .array(CurrencyCode)
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: 'Default: the invoice currency' }),
    expires_in: z
      .number()
      .int()
      .min(MIN_EXPIRES_IN_SECONDS)
      .max(MAX_EXPIRES_IN_SECONDS)
      .default(900)
      .openapi({ description: 'Seconds until the invoice expires' }),
    description: z.string().max(500).optional(),
    order_id: z
      .string()
      .max(128)
      .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')
      .optional(),
    metadata: Metadata.optional().openapi({
      description: `Echoed in the invoice's webhooks; at most ${METADATA_MAX_BYTES} bytes of JSON (UTF-8)`,
    }),
    callback_url: HttpsUrl.optional(),
    redirect_url: HttpsUrl.optional(),
  })
  .openapi('NewInvoice');

const OptionalIdempotency = z.object({ 'idempotency-key': IdempotencyHeaders.shape['idempotency-key'].optional() });
const IdParam = z.object({ id: z.uuid() });
/** A page of invoices' position: the last one's creation time, to the microsecond, and id. */
const INVOICE_POSITION = /^([1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)\|([^|]+)$/;

const invoiceDepsOf = new WeakMap<ApiDeps, InvoiceDeps>();

/** What the invoice service needs from the API's dependencies: one per app, so its routes share one writer's batches. */
export function invoiceDeps(deps: ApiDeps): InvoiceDeps {
  const known = invoiceDepsOf.get(deps);
  if (known) return known;
  const built: InvoiceDeps = {
    sql: deps.sql,
    temporal: deps.temporal,
    log: deps.log,
    currencies: deps.currencies,
    prices: ratesPriceSource(deps.rates),
    settings: deps.settings.invoices,
    destinations: deps.depositAddresses,
    writer: new InvoiceWriter(deps.sql, deps.currencies),
  };
  invoiceDepsOf.set(deps, built);
  return built;
}

export function invoiceRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const invoices = invoiceDeps(deps);
  const callbacks = { sql: deps.sql, ...deps.webhooks };
  const merchant = requireRole('merchant');
  checkoutPage(app, deps, invoices);

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'post',
      path: '/v1/invoices',
      tags: ['invoices'],
      summary: 'Create an invoice; the customer pays it at checkout_url (limits in USD at the current rate)',
      request: { headers: OptionalIdempotency, ...jsonBody(NewInvoice) },
      responses: { 201: jsonResponse('Created', InvoiceView), ...problems(400, 401, 403, 409, 415, 422, 503) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = await requireCurrency(deps.currencies, body.currency);
      checkCallbackUrl(callbacks, body.callback_url);
      const accepted = await Promise.all(
        (body.accepted_currencies ?? [body.currency]).map((code, i) =>
          requireCurrency(deps.currencies, code, `accepted_currencies.${i}`),
        ),
      );
      const merchantId = c.get('user').id;
      const callback = orderCallback(callbacks, merchantId, body.callback_url);
      const { invoice, replayed } = await createInvoice(invoices, {
        merchantId,
        idempotencyKey: c.req.valid('header')['idempotency-key'] ?? null,
        currency,
        amount: requireAmount(body.amount, currency),
        acceptedCurrencies: accepted,
        expiresInSeconds: body.expires_in,
        description: body.description ?? null,
        orderId: body.order_id ?? null,
        metadata: body.metadata ?? {},
        callback,
        redirectUrl: body.redirect_url ?? null,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('inv', invoice.id), userId: merchantId }, callback);
      return c.json(await invoiceView(deps, invoice), 201, replayHeaders(replayed));
    },
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'get',
      path: '/v1/invoices',
      tags: ['invoices'],
      summary: "The merchant's invoices, newest first",
      request: {
        query: PageQuery.extend({
          status: z.enum(INVOICE_STATUSES).optional(),
          created_from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Created at or after (ISO 8601)' }),
          created_to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Created before (ISO 8601)' }),
        }),
      },
      responses: {
        200: jsonResponse('A page of invoices', PageOf(InvoiceView)),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, cursor, status, created_from, created_to } = c.req.valid('query');
      const position = decodeCursor(cursor, INVOICE_POSITION);
      let before: { createdAt: string; id: string } | undefined;
      if (position) {
        const [, at, id] = INVOICE_POSITION.exec(position)!;
        if (!isPositionTime(at!) || !Positions.uuid.test(id!)) throw notACursor();
        before = { createdAt: at!, id: id! };
      }
      const rows = await listInvoices(deps.sql, {
        merchantId: c.get('user').id,
        status,
        createdFrom: created_from ? storableInstant(created_from) : undefined,
        createdTo: created_to ? storableInstant(created_to) : undefined,
        before,
        limit: limit + 1,
      });
      const data = rows.slice(0, limit);
      const last = data[data.length - 1];
      return c.json(
        {
          data: await Promise.all(data.map((i) => invoiceView(deps, i))),
          next_cursor: rows.length > limit && last ? encodeCursor(`${last.position}|${last.id}`) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'get',
      path: '/v1/invoices/{id}',
      tags: ['invoices'],
      summary: 'An invoice with its locked prices and every payment (late and partial ones too)',
      request: { params: IdParam },
      responses: { 200: jsonResponse('The invoice', InvoiceView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const invoice = await ownInvoice(invoices, c.get('user').id, c.req.valid('param').id);
      const [quotes, payments] = await Promise.all([quotesOf(deps.sql, invoice.id), paymentsOf(deps.sql, invoice.id)]);
      return c.json(await invoiceView(deps, invoice, { quotes, payments }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/invoices/{id}/public',
      tags: ['invoices'],
      summary: 'The invoice as its customer sees it (no login): what the checkout page polls',
      request: { params: IdParam },
      responses: { 200: jsonResponse('The invoice', PublicInvoiceView), ...problems(400, 404) },
    }),
    async (c) => {
      const invoice = await publicInvoice(invoices, c.req.valid('param').id);
      const [quotes, payments] = await Promise.all([quotesOf(deps.sql, invoice.id), paymentsOf(deps.sql, invoice.id)]);
      return c.json(await publicInvoiceView(deps, invoice, quotes, payments), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/invoices/{id}/checkout',
      tags: ['invoices'],
      summary: 'Pick the currency to pay in (no login): its price is locked for the invoice, its address or tag handed out',
      request: { params: IdParam, ...jsonBody(z.object({ currency: CurrencyCode })) },
      responses: { 200: jsonResponse('How to pay', CheckoutView), ...problems(400, 404, 409, 415, 422, 503) },
    }),
    async (c) => {
      const invoice = await publicInvoice(invoices, c.req.valid('param').id);
      const currency = await requireCurrency(deps.currencies, c.req.valid('json').currency);
      return c.json(checkoutView(invoice, currency, await checkout(invoices, invoice.id, currency)), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/invoices/{id}/pay',
      tags: ['invoices'],
      summary: "Pay what is left of the invoice from the caller's balance, in an accepted currency at its locked price",
      description:
        'Less than what is left in the available balance of that currency is 422 `insufficient_funds` naming `currency`, ' +
        'the field to change (another accepted currency); nothing left to pay, or a closed invoice, is 409.',
      request: { params: IdParam, headers: IdempotencyHeaders, ...jsonBody(z.object({ currency: CurrencyCode })) },
      responses: {
        201: jsonResponse(
          'Paid',
          z.object({ invoice_id: z.string(), payment_id: z.string(), currency: z.string(), amount: z.string() }),
        ),
        ...problems(400, 401, 403, 404, 409, 415, 422, 503),
      },
    }),
    async (c) => {
      const currency = await requireCurrency(deps.currencies, c.req.valid('json').currency);
      const { payment, replayed } = await payFromBalance(invoices, {
        invoiceId: c.req.valid('param').id,
        payerId: c.get('user').id,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        currency,
      });
      return c.json(
        {
          invoice_id: payment.invoiceId,
          payment_id: payment.id,
          currency: payment.currency,
          amount: money(payment.amount, currency),
        },
        201,
        replayHeaders(replayed),
      );
    },
  );
}
