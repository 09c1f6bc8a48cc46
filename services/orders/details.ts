/**
 * An order's type-specific fields: the kind's own row as JSON, less what is internal (idempotency keys, workflow
 * bookkeeping), with its amounts in minor units and, for each, the currency they are in or their fixed number of
 * decimals (formatted at the API edge).
 */
import { COEFFICIENT_DECIMALS } from '../../domain/betting/bets.js';
import type { OrderPrefix, OrderRef } from '../../domain/orders/ids.js';
import type { PendingQuery, Row as PgRow } from 'postgres';
import type { Db } from '../../platform/db/client.js';

/** What an integer field counts: minor units of a currency, or units with a fixed number of decimals. */
export type Unit = string | { decimals: number };

export interface OrderDetails {
  fields: Record<string, unknown>;
  /** Integer field → what it counts; nothing when the row names no currency for it (a deposit never converted). */
  amounts: Record<string, Unit | null | undefined>;
}

type Row = Record<string, unknown>;
const HIDDEN = [
  'user_id',
  'merchant_id',
  'payer_id',
  'idempotency_key',
  'workflow_started',
  'workflow_id',
  'counters',
  'transfer_key',
  'seq',
];

function strip(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !HIDDEN.includes(k)));
}

/** Where each kind's row is and which of its fields are amounts in which currency. */
const KINDS: Record<
  OrderPrefix,
  { read: (db: Db, key: string) => PendingQuery<PgRow[]>; amounts: (row: Row) => OrderDetails['amounts'] }
> = {
  dep: {
    // with its auto-conversion, when one was tried
    read: (db, key) => db`
      select to_jsonb(d) || coalesce((
        select jsonb_build_object('conversion_status', c.status, 'conversion_to', c.to_currency,
                                  'conversion_amount_in', c.amount_in, 'conversion_amount_out', c.amount_out,
                                  'conversion_reason_code', c.reason_code, 'conversion_reason', c.reason)
        from deposit_conversions c where c.deposit_id = d.id), '{}') as row
      from deposits d where id = ${key}`,
    amounts: (r) => ({
      amount: r.currency as string,
      fee: r.currency as string,
      provider_cost: r.currency as string,
      conversion_amount_in: r.currency as string,
      conversion_amount_out: r.conversion_to as string,
    }),
  },
  wd: {
    read: (db, key) => db`select to_jsonb(w) as row from withdrawals w where id = ${key}`,
    amounts: (r) => ({ amount: r.currency as string, fee: r.currency as string }),
  },
  tr: {
    read: (db, key) => db`
        select jsonb_build_object('ledger_transfer_id', t.id::text, 'currency', t.currency, 'amount', t.amount,
                                  'to_user_id', t.metadata ->> 'to_user_id', 'fee', t.metadata -> 'fee',
                                  'memo', t.metadata -> 'memo', 'created_at', t.created_at) as row
        from ledger_transfers t where id = ${key} and metadata ->> 'type' = 'internal_transfer'`,
    amounts: (r) => ({ amount: r.currency as string, fee: r.currency as string }),
  },
  ex: {
    read: (db, key) => db`
        select to_jsonb(q) - 'rate_num' - 'rate_den' - 'base_amount' || jsonb_build_object('accepted_at', s.created_at) as row
        from exchange_quotes q join ledger_transfers s on s.key = 'fast-exchange:' || q.id || ':in' where q.id = ${key}`,
    amounts: (r) => ({
      amount_in: r.from_currency as string,
      fee: r.from_currency as string,
      amount_out: r.to_currency as string,
    }),
  },
  inv: {
    read: (db, key) => db`select to_jsonb(i) as row from invoices i where id = ${key}`,
    amounts: (r) => ({ amount: r.currency as string, settled_value: r.currency as string, fee: r.currency as string }),
  },
  ipay: {
    read: (db, key) =>
      db`select to_jsonb(p) - 'deposit_id' as row from invoice_payments p where id = ${key} and payer_id is not null`,
    amounts: (r) => ({ amount: r.currency as string }),
  },
  bet: {
    read: (db, key) => db`select to_jsonb(b) as row from bets b where id = ${key}`,
    amounts: (r) => ({
      amount: r.currency as string,
      payout: r.currency as string,
      coefficient: { decimals: COEFFICIENT_DECIMALS },
    }),
  },
  ord: {
    read: (db, key) => db`
        select to_jsonb(o) || jsonb_build_object('base', p.base, 'quote', p.quote) as row
        from orders o join pairs p on p.code = o.pair where o.id = ${key}`,
    amounts: (r) => ({
      price: r.quote as string,
      amount: r.base as string,
      quote_amount: r.quote as string,
      filled_amount: r.base as string,
      filled_quote: r.quote as string,
      hold_amount: r.hold_currency as string,
      held: r.hold_currency as string,
      // what the order receives: base for a buy, quote for a sell
      fee: (r.side === 'buy' ? r.base : r.quote) as string,
    }),
  },
  trg: {
    read: (db, key) => db`
        select to_jsonb(g) || jsonb_build_object('base', p.base, 'quote', p.quote) as row
        from trigger_orders g join pairs p on p.code = g.pair where g.id = ${key}`,
    amounts: (r) => ({
      trigger_price: r.quote as string,
      price: r.quote as string,
      // an OCO's stop leg
      stop_price: r.quote as string,
      stop_limit_price: r.quote as string,
      amount: r.base as string,
      quote_amount: r.quote as string,
      hold_amount: r.hold_currency as string,
    }),
  },
};

/** A time as `Date.prototype.toISOString` writes it. */
const ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/** The order's own fields; call it for an order already known to be the user's (orderOf). */
export async function orderDetails(db: Db, ref: OrderRef): Promise<OrderDetails> {
  const kind = KINDS[ref.prefix];
  // numbers become strings: amounts are numeric(78,0), beyond what a JSON number parses to exactly. Times (every
  // timestamp column, and only they, ends in _at or _until) are written as the rest of the API writes them, in UTC
  // with milliseconds: jsonb writes them in the session's time zone, to the microsecond
  const [found] = await db`
    select (select jsonb_object_agg(key, case
              when jsonb_typeof(value) = 'number' then to_jsonb(value #>> '{}')
              when jsonb_typeof(value) = 'string' and key ~ '_(at|until)$'
                then to_jsonb(to_char((value #>> '{}')::timestamptz at time zone 'UTC', ${ISO_UTC}))
              else value end)
            from jsonb_each(k.row)) as row
    from (${kind.read(db, ref.key)}) k`;
  const row = (found?.row ?? {}) as Row;
  return { fields: strip(row), amounts: kind.amounts(row) };
}
