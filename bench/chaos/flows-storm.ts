/**
 * The kill -9 storm over the flows that move money inside Sluice: internal transfers, bets (placed, then settled by
 * their event's workflow once a result is set), spot orders (funds held, matched, settled, the rest cancelled), fast
 * exchange (quote, then accept), invoices paid by an on-chain deposit, and the flows of `flows/` (trigger orders,
 * invoices paid from balances in their currency or another, withdrawals through an operator's approval), while the
 * worker, the EVM listener and the API are killed at random moments. Clients retry a failed request with the same
 * Idempotency-Key. Counts, from the database and the API: money created or lost per user (balance vs what their
 * operations make it), bets not settled exactly once, orders whose fills or holds disagree, swaps not executed exactly
 * once, invoices not paid exactly once, each flow's own counts, 5xx answers other than 503, and the ledger audit.
 *   CHAOS_FLOWS_OPERATIONS (100 of each kind), CHAOS_FLOWS_INVOICES (10), CHAOS_FLOWS_TRIGGERS (40),
 *   CHAOS_FLOWS_BALANCE_INVOICES (20), CHAOS_FLOWS_WITHDRAWALS (20), CHAOS_FLOWS_KILLS (12) set the sizes.
 */
import { Contract, NonceManager, Wallet, parseUnits } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { runConcurrently } from '../support/stats.js';
import { approvedWithdrawalFlow } from './flows/approved-withdrawals.js';
import type { FlowsContext, StormFlow, StormUser } from './flows/context.js';
import { invoicePaymentFlow } from './flows/invoice-payments.js';
import { triggerFlow } from './flows/triggers.js';
import {
  auditRows,
  killAtRandom,
  retryingClient,
  signUpVerified,
  sleep,
  startStormStack,
  type ApiResponse,
  type ChaosRow,
} from './support.js';

const OPERATIONS = Number(process.env.CHAOS_FLOWS_OPERATIONS ?? 100);
const INVOICES = Number(process.env.CHAOS_FLOWS_INVOICES ?? 10);
const TRIGGERS = Number(process.env.CHAOS_FLOWS_TRIGGERS ?? 40);
const BALANCE_INVOICES = Number(process.env.CHAOS_FLOWS_BALANCE_INVOICES ?? 20);
const WITHDRAWALS = Number(process.env.CHAOS_FLOWS_WITHDRAWALS ?? 20);
const KILLS = Number(process.env.CHAOS_FLOWS_KILLS ?? 12);
const USERS = 8; // per flow
const EVENTS = 4; // bet events, half won, half lost
const VICTIMS = ['worker', 'listener-evm', 'api'];
// kills come every 4 s on average: each flow, two clients at a time, spreads its operations over the first three
// quarters of the storm, so results, settlements and cancellations also meet kills
const PACE_MS = (KILLS * 4_000 * 0.75) / (OPERATIONS / 2);
const SCALE: Record<string, number> = { USDT: 6, BTC: 8, XRP: 6 };
const FUNDING: Record<string, string> = { USDT: '100000', BTC: '10', XRP: '100000' };
const INVOICE_AMOUNT = 25_000_000n; // 25 USDT
const BET_STAKE = 1_000_000n; // 1.00 USDT
const COEFFICIENT = 185n; // 1.85

export async function flowsStorm(): Promise<ChaosRow[]> {
  const scenario = `kill -9 storm over transfers, bets, orders, swaps (${OPERATIONS} each), ${INVOICES} invoices, ${TRIGGERS} triggers, ${BALANCE_INVOICES} balance-paid invoices, ${WITHDRAWALS} approved withdrawals, ${KILLS} kills`;
  const { stack, provider } = await startStormStack('chaos-flows');
  const { api, adminToken, sql } = stack;
  const { call, unexpected, retried } = retryingClient();
  const receiver = await WebhookReceiver.start();
  // what each user's balance must be: funding plus every operation the API acknowledged (or the database records)
  const expected = new Map<string, Map<string, bigint>>();
  const book = (userId: string, currency: string, amount: bigint) => {
    const balances = expected.get(userId) ?? new Map<string, bigint>();
    balances.set(currency, (balances.get(currency) ?? 0n) + amount);
    expected.set(userId, balances);
  };
  const post = (what: string, path: string, body: unknown, token: string, key?: string) =>
    call(() => api.post(path, body, { token, headers: key ? { 'idempotency-key': key } : {} }), what);
  const must = (what: string, response: ApiResponse, ...statuses: number[]) => {
    if (!statuses.includes(response.status)) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  try {
    const [senders, bettors, sellers, buyers, swappers] = await Promise.all(
      ['flows-transfer', 'flows-bet', 'flows-sell', 'flows-buy', 'flows-swap'].map((p) => signUpVerified(stack, USERS, p)),
    );
    const fund = async (user: StormUser, currency: string) => {
      const body = { user_id: user.id, currency, amount: FUNDING[currency], reason: 'flows funding' };
      must('funding', await post('funding', '/v1/ops/adjustments', body, adminToken, `fund-${user.id}-${currency}`), 201);
      book(user.id, currency, parseUnits(FUNDING[currency]!, SCALE[currency]));
    };
    for (const user of [...senders!, ...bettors!, ...buyers!, ...swappers!]) await fund(user, 'USDT');
    for (const user of sellers!) await fund(user, 'BTC');
    const spread = (total: number, operation: (i: number) => Promise<void>) =>
      runConcurrently(total, 2, async (i) => {
        await operation(i);
        await sleep(PACE_MS);
      });
    const ctx: FlowsContext = {
      stack,
      call,
      post,
      must,
      book,
      spread,
      async fundedUsers(prefix, currencies) {
        const users = await signUpVerified(stack, USERS, prefix);
        for (const user of users) for (const currency of currencies) await fund(user, currency);
        return users;
      },
    };
    must(
      'inventory',
      await post('inventory', '/v1/ops/exchange/inventory', { currency: 'XRP', amount: '1000000' }, adminToken, 'flows-xrp'),
      201,
    );
    // an integrator retrying through a restart accepts a quote up to a minute or two after asking for it
    const terms = must('terms', await api.get('/v1/ops/pairs/XRP-USDT/fast-exchange', { token: adminToken }), 200);
    const longQuotes = { ...terms, quote_ttl_seconds: 3_600, daily_limit: null };
    must('terms', await api.put('/v1/ops/pairs/XRP-USDT/fast-exchange', longQuotes, { token: adminToken }), 200);
    const merchantUser = (await signUpVerified(stack, 1, 'flows-merchant'))[0]!;
    must('role', await api.put(`/v1/ops/users/${merchantUser.id}/role`, { role: 'merchant' }, { token: adminToken }), 200);
    const merchant = { ...merchantUser, token: await api.login(merchantUser.email, 'a long enough password') };
    const endpoint = { url: receiver.url('/merchant'), event_types: ['invoice.settled'] };
    must('endpoint', await api.post('/v1/webhooks/endpoints', endpoint, { token: merchant.token }), 201);
    const events: string[] = [];
    for (let e = 0; e < EVENTS; e++) {
      const created = await post('event', '/v1/events', { coefficient: '1.85' }, adminToken, `flows-event-${e}`);
      events.push(String(must('event', created, 201).id));
    }
    const usdtAddress = (await api.get('/v1/currencies')).body.data.find((c: { code: string }) => c.code === 'USDT')
      .token_contract as string;
    const usdt = new Contract(
      usdtAddress,
      ['function transfer(address to, uint256 value) returns (bool)'],
      new NonceManager(new Wallet(devPrivateKey(DevAccount.Deployer), provider)),
    );

    const invoices = new Set<string>();
    const triggers = await triggerFlow(ctx, TRIGGERS, scenario, () => trading);
    const flows: StormFlow[] = [
      triggers,
      await invoicePaymentFlow(ctx, BALANCE_INVOICES, scenario, merchant, invoices),
      await approvedWithdrawalFlow(ctx, WITHDRAWALS, scenario, provider),
    ];

    const storm = killAtRandom(stack, VICTIMS, KILLS);
    const setResults = async (from: number, to: number) => {
      for (let e = from; e < to; e++) {
        const state = e % 2 === 0 ? 'finished_win' : 'finished_lose';
        const patched = () => api.patch(`/v1/events/${events[e]}`, { state }, { token: adminToken });
        must('result', await call(patched, 'result'), 200);
      }
    };
    const transfers = new Set<string>();
    const transferring = spread(OPERATIONS, async (i) => {
      const from = senders![i % USERS]!;
      const to = senders![(i + 1 + (i % (USERS - 1))) % USERS]!;
      const body = { to_email: to.email, currency: 'USDT', amount: '3.25' };
      const transfer = must('transfer', await post('transfer', '/v1/transfers', body, from.token, `flows-transfer-${i}`), 201);
      if (transfers.has(transfer.id)) return;
      transfers.add(transfer.id);
      const fee = parseUnits(transfer.fee, 6);
      book(from.id, 'USDT', -parseUnits(transfer.amount, 6) - fee);
      book(to.id, 'USDT', parseUnits(transfer.amount, 6));
    });
    const bets = new Map<string, { user: StormUser; event: string }>();
    // half the bets on half the events, whose results come while the other half is placed
    const placeBets = (half: number) =>
      spread(OPERATIONS / 2, async (n) => {
        const i = half * (OPERATIONS / 2) + n;
        const user = bettors![i % USERS]!;
        const event = events[half * (EVENTS / 2) + (i % (EVENTS / 2))]!;
        const body = { event_id: event, currency: 'USDT', amount: '1.00' };
        const bet = must('bet', await post('bet', '/v1/bets', body, user.token, `flows-bet-${i}`), 201);
        bets.set(String(bet.id), { user, event });
      });
    const betting = (async () => {
      await placeBets(0);
      await Promise.all([setResults(0, EVENTS / 2), placeBets(1)]);
      await setResults(EVENTS / 2, EVENTS);
    })();
    const orders = new Map<string, StormUser>();
    const trading = spread(OPERATIONS, async (i) => {
      const user = i % 2 === 0 ? sellers![(i / 2) % USERS]! : buyers![((i - 1) / 2) % USERS]!;
      // prices apart so some cross and some rest on the book until cancelled
      const price = i % 2 === 0 ? String(50_000 + (i % 5) * 10) : String(50_000 + (i % 7) * 10);
      const body = { pair: 'BTC-USDT', side: i % 2 === 0 ? 'sell' : 'buy', type: 'limit', price, amount: '0.01' };
      const order = must('order', await post('order', '/v1/orders', body, user.token, `flows-order-${i}`), 201);
      orders.set(String(order.id), user);
    });
    const swaps = new Map<string, StormUser>();
    const swapping = spread(OPERATIONS, async (i) => {
      const user = swappers![i % USERS]!;
      const body = { from: 'USDT', to: 'XRP', amount_in: '2.5' };
      const quote = must('quote', await post('quote', '/v1/exchange/quotes', body, user.token, `flows-quote-${i}`), 201);
      const accepted = await post('accept', `/v1/exchange/quotes/${quote.id}/accept`, undefined, user.token, `flows-accept-${i}`);
      must('accept', accepted, 200);
      if (swaps.has(quote.id)) return;
      swaps.set(quote.id, user);
      book(user.id, 'USDT', -parseUnits(accepted.body.amount_in, 6));
      book(user.id, 'XRP', parseUnits(accepted.body.amount_out, 6));
    });
    const invoicing = runConcurrently(INVOICES, 1, async (i) => {
      const body = { amount: '25', currency: 'USDT', accepted_currencies: ['USDT'], expires_in: 3600 };
      const invoice = must('invoice', await post('invoice', '/v1/invoices', body, merchant.token, `flows-invoice-${i}`), 201);
      invoices.add(invoice.id);
      const checkout = must(
        'checkout',
        await call(() => api.post(`/v1/invoices/${invoice.id}/checkout`, { currency: 'USDT' }), 'checkout'),
        200,
      );
      await (await usdt.getFunction('transfer')(checkout.address, parseUnits(checkout.amount_due, 6))).wait();
    });
    const cancelling = trading.then(async () => {
      for (const [id, user] of orders) {
        const cancelled = await call(() => api.delete(`/v1/orders/${id}`, { token: user.token }), 'cancel');
        must('cancel', cancelled, 200, 409);
      }
    });
    await Promise.all([transferring, betting, cancelling, swapping, invoicing, ...flows.map((flow) => flow.run())]);
    const busyKills = storm.done(); // those that met the flows; the rest meet settlement and sweeps
    await storm.finished;

    // the end state: every bet settled, every invoice settled and its webhook received, every order final
    const settledHooks = () =>
      new Set(receiver.to('/merchant').map((hook) => (JSON.parse(hook.body) as { id: string }).id as string));
    for (const [id, user] of await triggers.firedOrders()) orders.set(id, user);
    const betIds = [...bets.keys()];
    const invoiceIds = [...invoices];
    const orderIds = [...orders.keys()];
    await waitUntil(
      'every bet and invoice settled, every order final',
      async () => {
        const [open] = await sql`
          select (select count(*)::int from bets where id = any(${betIds}::bigint[]) and status = 'pending') as bets,
                 (select count(*)::int from invoices where id = any(${invoiceIds}::uuid[]) and status <> 'settled') as invoices,
                 (select count(*)::int from orders where id = any(${orderIds}::bigint[])
                   and status not in ('filled', 'cancelled', 'rejected')) as orders`;
        const unheard = invoiceIds.filter((id) => !settledHooks().has(`invoice:${id}:settled`)).length;
        const flowsOpen = await Promise.all(flows.map((flow) => flow.open()));
        if (open!.bets > 0 || open!.invoices > 0 || open!.orders > 0 || unheard > 0 || flowsOpen.some((n) => n > 0))
          throw new Error(JSON.stringify({ ...open, unheard, flowsOpen }));
      },
      { timeoutMs: 300_000, intervalMs: 5_000 },
    ).catch((error: unknown) => console.log(`  not settled in time: ${error instanceof Error ? error.message : String(error)}`));

    // bets: each settled once, its ledger legs once, the event's tally what its bets say
    const [betCounts] = await sql`
      select count(*) filter (where b.status = 'pending')::int as unsettled,
             count(*) filter (where b.status not in ('pending', case when e.state = 'finished_win' then 'won' else 'lost' end)
               or (b.status = 'won') <> (select count(*) = 1 from ledger_transfers t where t.key = 'bet:' || b.id || ':payout')
               or b.payout <> case when b.status = 'won' then b.amount * b.coefficient / 100 else 0 end)::int as wrong,
             (select count(*)::int from bets where event_id = any(${events}::bigint[])) as stored
      from bets b join bet_events e on e.id = b.event_id where b.id = any(${betIds}::bigint[])`;
    const [tallies] = await sql`
      select count(*)::int as n from (
        select b.event_id, b.status, count(*) as bets, sum(b.payout) as paid
        from bets b where b.event_id = any(${events}::bigint[]) group by 1, 2) b
      full join bet_event_tallies t on t.event_id = b.event_id and t.status = b.status
      where (t.event_id is null and b.event_id is not null)
         or (t.event_id = any(${events}::bigint[]) and t.bets > 0
             and (b.event_id is null or t.bets <> b.bets or t.paid_out <> coalesce(b.paid, 0)))`;
    for (const [id, { user }] of bets) {
      const [bet] = await sql`select status, payout from bets where id = ${id}`;
      book(user.id, 'USDT', -BET_STAKE + (bet!.status === 'won' ? (BET_STAKE * COEFFICIENT) / 100n : 0n));
    }

    // orders: filled amounts are their trades', nothing left held once final, the ledger's holds what the order says
    const [orderCounts] = await sql`
      with ids as (select unnest(${orderIds}::bigint[]) as id),
      holds as (
        -- a post (a partial one too: the rest is released) or a void resolves a hold; what is held is the unresolved one
        select o.id, coalesce((select sum(h.amount) from ledger_transfers h
                               where h.key like 'order:' || o.id || ':hold:%'
                                 and not exists (select 1 from ledger_transfers r where r.pending_key = h.key)), 0) as ledger_held
        from orders o join ids using (id))
      select count(*) filter (where o.filled_amount <> coalesce(
               (select sum(t.amount) from trades t where t.buy_order_id = o.id or t.sell_order_id = o.id), 0)
             or o.held <> h.ledger_held or (o.status <> 'open' and o.held <> 0))::int as wrong,
             (select count(*)::int from orders
               where user_id = any(${[...sellers!, ...buyers!, ...triggers.users].map((u) => u.id)}::uuid[])) as stored
      from orders o join holds h using (id)`;
    const trades = await sql`
      select buyer_id, seller_id, amount, quote_amount, buyer_fee, seller_fee from trades
      where buy_order_id = any(${orderIds}::bigint[]) or sell_order_id = any(${orderIds}::bigint[])`;
    for (const t of trades) {
      book(t.buyerId, 'USDT', -BigInt(t.quoteAmount));
      book(t.buyerId, 'BTC', BigInt(t.amount) - BigInt(t.buyerFee));
      book(t.sellerId, 'BTC', -BigInt(t.amount));
      book(t.sellerId, 'USDT', BigInt(t.quoteAmount) - BigInt(t.sellerFee));
    }

    // swaps: each accepted quote paid out once, and no swap the clients were not told of
    const swapperIds = swappers!.map((u) => u.id);
    const [swapCounts] = await sql`
      select count(*) filter (where not (q.id = any(${[...swaps.keys()]}::uuid[])) or legs <> 1)::int as wrong
      from (select metadata->>'quote_id' as quote, count(*) as legs from ledger_transfers
            where metadata->>'type' = 'fast_exchange' and currency = 'XRP' group by 1) l
      join exchange_quotes q on q.id::text = l.quote where q.user_id = any(${swapperIds}::uuid[])`;

    // invoices: each settled, the merchant credited once per invoice (balances below), its webhook received
    const [invoiceCounts] = await sql`
      select count(*) filter (where i.status <> 'settled')::int as unsettled,
             (select count(*)::int from invoices where merchant_id = ${merchant.id}) as stored
      from invoices i where i.id = any(${invoiceIds}::uuid[])`;
    const unheard = invoiceIds.filter((id) => !settledHooks().has(`invoice:${id}:settled`)).length;
    const invoiceFee = await sql`select fee from invoices where id = any(${invoiceIds}::uuid[]) and status = 'settled'`;
    for (const row of invoiceFee) book(merchant.id, 'USDT', INVOICE_AMOUNT - BigInt(row.fee));

    const flowRows = [];
    for (const flow of flows) flowRows.push(...(await flow.check()));

    // money created or lost: every user's posted balance against what their operations make it
    let moneyWrong = 0;
    const everyone = [
      ...senders!,
      ...bettors!,
      ...sellers!,
      ...buyers!,
      ...swappers!,
      merchant,
      ...flows.flatMap((f) => f.users),
    ];
    for (const user of everyone) {
      const balances = (await call(() => api.get('/v1/balances', { token: user.token }), 'balances')).body.data as Array<{
        currency: string;
        posted: string;
      }>;
      for (const currency of Object.keys(SCALE)) {
        const posted = parseUnits(balances.find((b) => b.currency === currency)?.posted ?? '0', SCALE[currency]);
        const want = expected.get(user.id)?.get(currency) ?? 0n;
        if (posted !== want) {
          moneyWrong++;
          console.log(`  ${user.email} ${currency}: posted ${posted}, expected ${want}`);
        }
      }
    }
    for (const answer of unexpected) console.log(`  5xx: ${answer}`);
    const kills = storm.done();
    console.log(
      `  ${scenario}: ${kills} kills (${busyKills} while clients were sending), ${retried()} requests retried; ${transfers.size} transfers, ${bets.size} bets, ${orders.size} orders (${trades.length} trades), ${swaps.size} swaps, ${invoices.size} invoices`,
    );
    return [
      { scenario, count: `kills not done (of ${KILLS})`, value: KILLS - kills },
      { scenario, count: 'API answers 5xx other than 503', value: unexpected.length },
      { scenario, count: 'user balances ≠ their operations (money created or lost)', value: moneyWrong },
      { scenario, count: `transfers not acknowledged once (of ${OPERATIONS})`, value: OPERATIONS - transfers.size },
      { scenario, count: 'bets stored beyond those placed', value: (betCounts!.stored as number) - bets.size },
      { scenario, count: 'bets not settled', value: betCounts!.unsettled as number },
      { scenario, count: 'bets settled wrongly or paid twice', value: betCounts!.wrong as number },
      { scenario, count: "event tallies ≠ their bets'", value: tallies!.n as number },
      { scenario, count: 'orders stored beyond those placed', value: (orderCounts!.stored as number) - orders.size },
      { scenario, count: 'orders whose fills or holds disagree', value: orderCounts!.wrong as number },
      { scenario, count: 'swaps executed other than once per accepted quote', value: swapCounts!.wrong as number },
      { scenario, count: 'invoices stored beyond those created', value: (invoiceCounts!.stored as number) - invoices.size },
      { scenario, count: 'invoices not settled', value: invoiceCounts!.unsettled as number },
      { scenario, count: 'invoices whose invoice.settled webhook never arrived', value: unheard },
      ...flowRows,
      ...(await auditRows(scenario, api, adminToken)),
    ];
  } finally {
    provider.destroy();
    await receiver.close();
    await stack.stop();
  }
}
