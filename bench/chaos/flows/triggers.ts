/**
 * Trigger orders in the flows storm: stop-limit sells and buys, and OCO sells, on BTC-USDT at trigger prices the
 * storm's own trades cross, so they fire while the engine (in the API) is killed; every fifth is cancelled as soon as
 * it is placed (the cancel races the fire), and those still pending once the trading ends are cancelled then. Counts
 * triggers fired other than once with one order, and holds that disagree: the trigger's, the ledger's, its order's.
 */
import { triggerOrderKey } from '../../../domain/exchange/triggers.js';
import type { ChaosRow } from '../support.js';
import type { FlowsContext, StormFlow, StormUser } from './context.js';

/** What each fourth of the triggers is: all but the last fire at any price the storm trades at (50,000–50,060). */
const KINDS = [
  { side: 'sell', kind: 'stop_limit', trigger_price: '50060', price: '50000' },
  { side: 'buy', kind: 'stop_limit', trigger_price: '50000', price: '50060' },
  { side: 'sell', kind: 'oco', trigger_price: '50030', price: '50030', stop_price: '50020', stop_limit_price: '50000' },
  { side: 'sell', kind: 'stop_limit', trigger_price: '40000', price: '40000' }, // never fires: cancelled at the end
];

export interface TriggerFlow extends StormFlow {
  /** The orders the triggers placed, with their users: the storm's orders count them with its own. */
  firedOrders(): Promise<Map<string, StormUser>>;
}

export async function triggerFlow(
  ctx: FlowsContext,
  count: number,
  scenario: string,
  trading: () => Promise<unknown>,
): Promise<TriggerFlow> {
  const { sql } = ctx.stack;
  const users = await ctx.fundedUsers('flows-trigger', ['USDT', 'BTC']);
  const triggers = new Map<string, StormUser>();
  const cancel = async (id: string, user: StormUser) => {
    const cancelled = await ctx.call(() => ctx.stack.api.delete(`/v1/triggers/${id}`, { token: user.token }), 'trigger cancel');
    ctx.must('trigger cancel', cancelled, 200, 409);
  };
  const firedOrders = async () => {
    const ids = [...triggers.keys()];
    const rows = await sql`
      select t.id, t.order_id from trigger_orders t where t.id = any(${ids}::bigint[]) and t.order_id is not null`;
    return new Map(rows.map((r) => [String(r.orderId), triggers.get(String(r.id))!]));
  };
  const run = async () => {
    await ctx.spread(count, async (i) => {
      const user = users[i % users.length]!;
      const body = { pair: 'BTC-USDT', amount: '0.01', ...KINDS[i % KINDS.length] };
      const placed = ctx.must('trigger', await ctx.post('trigger', '/v1/triggers', body, user.token, `flows-trigger-${i}`), 201);
      triggers.set(String(placed.id), user);
      if (i % 5 === 0) await cancel(String(placed.id), user);
    });
    await trading();
    for (const [id, user] of triggers) await cancel(id, user);
    // the orders the fired ones placed rest on the book until cancelled (or filled)
    for (const [id, user] of await firedOrders()) {
      const cancelled = await ctx.call(() => ctx.stack.api.delete(`/v1/orders/${id}`, { token: user.token }), 'cancel');
      ctx.must('cancel', cancelled, 200, 409);
    }
  };
  const open = async () => {
    const [row] = await sql`
      select count(*)::int as n from trigger_orders t left join orders o on o.id = t.order_id
      where t.id = any(${[...triggers.keys()]}::bigint[])
        and (t.status = 'pending' or o.status not in ('filled', 'cancelled', 'rejected'))`;
    return row!.n as number;
  };
  const check = async (): Promise<ChaosRow[]> => {
    const ids = [...triggers.keys()];
    // per trigger: the orders stored under its key, its hold on the ledger and that hold's release, its order's hold
    const [counts] = await sql`
      with t as (
        select t.*, k.key from trigger_orders t
        join unnest(${ids}::bigint[], ${ids.map(triggerOrderKey)}::text[]) as k(id, key) on k.id = t.id),
      checked as (
        select t.status, t.order_id, t.hold_amount,
               (select array_agg(o.id) from orders o where o.user_id = t.user_id and o.idempotency_key = t.key) as orders,
               (select sum(h.amount) from ledger_transfers h where h.key = 'trigger:' || t.id || ':hold') as held,
               (select count(*) from ledger_transfers r where r.pending_key = 'trigger:' || t.id || ':hold') as releases,
               (select h.amount from ledger_transfers h where h.key = 'order:' || t.order_id || ':hold:0') as order_held
        from t)
      select count(*) filter (where (status = 'fired') <> (orders is not null)
                                 or cardinality(orders) > 1 or orders[1] is distinct from order_id)::int as fired_wrong,
             count(*) filter (where held is distinct from hold_amount or releases <> (status <> 'pending')::int
                                 or (status = 'fired' and order_held is distinct from hold_amount))::int as holds_wrong,
             count(*) filter (where status = 'pending')::int as pending,
             count(*) filter (where status = 'fired')::int as fired
      from checked`;
    console.log(`  triggers: ${ids.length} placed, ${counts!.fired} fired`);
    return [
      { scenario, count: `triggers not acknowledged once (of ${count})`, value: count - triggers.size },
      { scenario, count: 'triggers left pending', value: counts!.pending as number },
      { scenario, count: 'triggers fired other than once (orders ≠ its one order)', value: counts!.firedWrong as number },
      { scenario, count: "triggers whose hold, its release or its order's hold disagree", value: counts!.holdsWrong as number },
    ];
  };
  return { users, run, open, check, firedOrders };
}
