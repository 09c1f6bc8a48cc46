/**
 * Spot orders: every user's open orders and history filtered by pair, user, status and side (keyset on the id), an
 * order's page with its fills, and the operator's cancel, which is the exchange service's cancel as
 * DELETE /v1/orders/{id} runs it (the same rules and engine command), recording the operator; and the pending trigger
 * orders with their `trigger:<id>` workflows in the Temporal UI, each cancelled through its workflow's Update as
 * DELETE /v1/triggers/{id} does, recording the operator.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Pair } from '../../../domain/exchange/pairs.js';
import { formatAmount } from '../../../domain/money.js';
import {
  orderById,
  ordersForOperators,
  pendingTriggersForOperators,
  tradesOfOrder,
  type StoredOrder,
} from '../../../services/exchange/client.js';
import { triggerWorkflowId } from '../../../workflows/exchange/trigger/messages.js';

import type { ApiDeps } from '../../context.js';
import { found } from '../../http/problem.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, optionalText, parseForm, parseInput } from '../forms.js';
import { amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, DefinitionList, Field, NextPage, PostForm, Select, when } from '../ui.js';

const PAGE_SIZE = 50;
const STATUSES = ['open', 'filled', 'cancelled', 'rejected'] as const;
const OrderId = z.string().regex(/^\d{1,18}$/, 'must be an order number');
const PairCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/, 'must be a pair such as BTC-USDT');
const ListQuery = z.object({
  pair: optionalText(PairCode),
  user: optionalText(z.uuid({ error: 'must be a user id' })),
  status: z
    .enum(['', ...STATUSES])
    .optional()
    .transform((v) => v || undefined),
  side: z
    .enum(['', 'buy', 'sell'])
    .optional()
    .transform((v) => v || undefined),
  cursor: z.string().optional(),
});

const label = (o: StoredOrder) => (o.status === 'new' ? 'open' : o.status) + (o.reason ? ` (${o.reason})` : '');

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;
  const detailPath = (id: string) => `${CONSOLE_BASE}/orders/${id}`;
  /** Amounts in a pair's own scales: a price and a quote amount in the quote, an amount in the base. */
  const inPair = (pairs: Map<string, Pair>, code: string) => {
    const pair = pairs.get(code);
    const show = (v: bigint | null, scale: number | undefined, currency: string) =>
      v === null ? '—' : scale === undefined ? `${v} (minor units)` : `${formatAmount(v, scale)} ${currency}`;
    return {
      base: (v: bigint | null) => show(v, pair?.baseScale, pair?.base ?? ''),
      quote: (v: bigint | null) => show(v, pair?.quoteScale, pair?.quote ?? ''),
    };
  };

  router.get('/', async (c) => {
    const query = parseInput(ListQuery, c.req.query());
    const filter = { pair: query.pair, userId: query.user };
    const [rows, triggers, pairs, held] = await Promise.all([
      ordersForOperators(deps.sql, {
        ...filter,
        status: query.status,
        side: query.side,
        before: decodeCursor(query.cursor, Positions.serial),
        limit: PAGE_SIZE + 1,
      }),
      // the first page shows the pending triggers of the same pair and user
      query.cursor ? [] : pendingTriggersForOperators(deps.sql, { ...filter, limit: PAGE_SIZE }),
      deps.exchange.pairs(),
      amounts(deps),
    ]);
    const result = page(rows, PAGE_SIZE, (o) => o.id);
    return render(
      c,
      'Orders',
      <>
        <form method="get" action={`${CONSOLE_BASE}/orders`} class="filters">
          <Field name="pair" label="Pair" value={query.pair} placeholder="BTC-USDT" />
          <Field name="user" label="User id" value={query.user} />
          <Select
            name="status"
            label="Status"
            value={query.status ?? ''}
            options={[['', 'any'], ...STATUSES.map((s): [string, string] => [s, s])]}
          />
          <Select
            name="side"
            label="Side"
            value={query.side ?? ''}
            options={[
              ['', 'any'],
              ['buy', 'buy'],
              ['sell', 'sell'],
            ]}
          />
          <button type="submit">Filter</button>
        </form>
        <table class="orders">
          <caption>Spot orders, newest first</caption>
          <thead>
            <tr>
              <th>Order</th>
              <th>Placed</th>
              <th>Pair</th>
              <th>Side</th>
              <th>Type</th>
              <th class="num">Price</th>
              <th class="num">Amount</th>
              <th class="num">Filled</th>
              <th>Status</th>
              <th>User</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((o) => {
              const fmt = inPair(pairs, o.pair);
              return (
                <tr data-order={o.id}>
                  <td>
                    <a href={detailPath(o.id)}>#{o.id}</a>
                  </td>
                  <td>{when(o.createdAt)}</td>
                  <td>{o.pair}</td>
                  <td>{o.side}</td>
                  <td>{o.type}</td>
                  <td class="num">{fmt.quote(o.price)}</td>
                  <td class="num">{o.amount === null ? fmt.quote(o.quoteAmount) : fmt.base(o.amount)}</td>
                  <td class="num">{fmt.base(o.filledAmount)}</td>
                  <td class="order-status">{label(o)}</td>
                  <td class="mono">
                    <a href={`${CONSOLE_BASE}/users/${o.userId}`}>{o.userId}</a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {result.data.length === 0 && <p>No order matches.</p>}
        <NextPage
          path="/orders"
          query={{ pair: query.pair, user: query.user, status: query.status, side: query.side }}
          cursor={result.nextCursor}
        />
        {!query.cursor && (
          <>
            <h2>Pending trigger orders</h2>
            <p>
              <TemporalLink ui={ui} attributes={{ SluiceKind: 'trigger', SluiceStatus: 'pending' }} label="Pending triggers" />
            </p>
            <table class="triggers">
              <caption>Stop and take-profit orders waiting for their price, newest first</caption>
              <thead>
                <tr>
                  <th>Trigger</th>
                  <th>Placed</th>
                  <th>Pair</th>
                  <th>Kind</th>
                  <th>Side</th>
                  <th class="num">Trigger price</th>
                  <th class="num">Held</th>
                  <th>User</th>
                  <th>Action</th>
                </tr>
              </thead>
              <tbody>
                {triggers.map((t) => {
                  const fmt = inPair(pairs, t.pair);
                  return (
                    <tr data-trigger={t.id}>
                      <td>
                        <TemporalLink
                          ui={ui}
                          attributes={{ WorkflowId: triggerWorkflowId(t.id) }}
                          label={triggerWorkflowId(t.id)}
                        />
                      </td>
                      <td>{when(t.createdAt)}</td>
                      <td>{t.pair}</td>
                      <td>{t.kind}</td>
                      <td>{t.side}</td>
                      <td class="num">{fmt.quote(t.triggerPrice)}</td>
                      <td class="num">{held(t.holdAmount, t.holdCurrency)}</td>
                      <td class="mono">
                        <a href={`${CONSOLE_BASE}/users/${t.userId}`}>{t.userId}</a>
                      </td>
                      <td>
                        <PostForm action={`/orders/triggers/${t.id}/cancel`} csrfToken={c.get('csrfToken')}>
                          <Confirm
                            id={`trigger-${t.id}`}
                            what={`Cancel trigger ${t.id} and release ${held(t.holdAmount, t.holdCurrency)}`}
                          />
                          <button type="submit">Cancel trigger</button>
                        </PostForm>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {triggers.length === 0 && <p>No trigger order is pending.</p>}
          </>
        )}
      </>,
      { notice: c.req.query('done') === 'trigger-cancelled' ? 'Trigger cancelled: what it held is released.' : undefined },
    );
  });

  router.get('/:id', async (c) => {
    const { id } = parseInput(z.object({ id: OrderId }), c.req.param());
    const order = found(await orderById(deps.sql, id), `no order #${id}`);
    const [fills, pairs, held] = await Promise.all([tradesOfOrder(deps.sql, id), deps.exchange.pairs(), amounts(deps)]);
    const fmt = inPair(pairs, order.pair);
    const open = order.status === 'open' || order.status === 'new';
    return render(
      c,
      `Order #${id}`,
      <>
        <DefinitionList
          items={[
            ['Status', <strong class="order-status">{label(order)}</strong>],
            ['Pair', order.pair],
            ['Side', order.side],
            ['Type', `${order.type} ${order.timeInForce}${order.postOnly ? ', post only' : ''}`],
            ['Price', fmt.quote(order.price)],
            ['Amount', order.amount === null ? `${fmt.quote(order.quoteAmount)} to spend` : fmt.base(order.amount)],
            ['Filled', `${fmt.base(order.filledAmount)} for ${fmt.quote(order.filledQuote)}`],
            ['Fee', order.side === 'buy' ? fmt.base(order.fee) : fmt.quote(order.fee)],
            ['Still held', held(order.held, order.holdCurrency)],
            ['User', <a href={`${CONSOLE_BASE}/users/${order.userId}`}>{order.userId}</a>],
            ['Client order id', order.clientOrderId],
            ['Placed', when(order.createdAt)],
            ['Last change', when(order.updatedAt)],
            ['Cancelled by operator', order.cancelledBy && <code>{order.cancelledBy}</code>],
          ]}
        />
        <h2>Fills</h2>
        <table class="fills">
          <caption>Trades of this order, oldest first</caption>
          <thead>
            <tr>
              <th>Trade</th>
              <th>At</th>
              <th class="num">Price</th>
              <th class="num">Amount</th>
              <th class="num">Quote amount</th>
              <th>Liquidity</th>
            </tr>
          </thead>
          <tbody>
            {fills.map((t) => {
              const mine = t.buyOrderId === order.id ? 'buy' : 'sell';
              return (
                <tr data-trade={t.id}>
                  <td>#{t.id}</td>
                  <td>{when(t.createdAt)}</td>
                  <td class="num">{fmt.quote(t.price)}</td>
                  <td class="num">{fmt.base(t.amount)}</td>
                  <td class="num">{fmt.quote(t.quoteAmount)}</td>
                  <td>{t.takerSide === mine ? 'taker' : 'maker'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {fills.length === 0 && <p>No fill yet.</p>}
        <h2>Actions</h2>
        {open ? (
          <PostForm action={`/orders/${id}/cancel`} csrfToken={c.get('csrfToken')}>
            <Confirm id="cancel" what={`Cancel order #${id} and release ${held(order.held, order.holdCurrency)}`} />
            <button type="submit">Cancel order</button>
          </PostForm>
        ) : (
          <p>No operator action: the order has ended.</p>
        )}
      </>,
      { notice: c.req.query('done') === 'cancelled' ? 'Order cancelled: what it held is released.' : undefined },
    );
  });

  router.post('/:id/cancel', async (c) => {
    const { id } = parseInput(z.object({ id: OrderId }), c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await deps.exchange.cancelForOperator(id, c.get('operator').id);
    return c.redirect(`${detailPath(id)}?done=cancelled`, 303);
  });

  router.post('/triggers/:id/cancel', async (c) => {
    const { id } = parseInput(z.object({ id: OrderId }), c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await deps.exchange.cancelTriggerForOperator(id, c.get('operator').id);
    return c.redirect(`${CONSOLE_BASE}/orders?done=trigger-cancelled`, 303);
  });
}

export const ordersPage: ConsolePage = { path: '/orders', title: 'Orders', roles: OPERATOR_ROLES, routes };
