/**
 * The order history's pages: one user with N orders of three kinds (deposits, withdrawals, internal transfers; default
 * 50,000 each) among 1,000 other users' (default 200,000 per kind), on a fresh embedded PostgreSQL. Prints the time of
 * the first page, of pages deep in the keyset cursor, and of filtered pages (p50 and p99 of 200 each), so a plan that
 * scanned a table instead of cutting each kind's (user, created_at) index would show.
 * Usage: node --import tsx bench/orders-history.ts [--orders 50000] [--others 200000]
 */
import { parseArgs } from 'node:util';
import type { Sql } from '../platform/db/client.js';
import { orderHistory, type HistoryFilter } from '../services/orders/store.js';
import { percentile } from './support/stats.js';
import { withBenchDatabase } from './support/bench-database.js';

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '50000' }, others: { type: 'string', default: '200000' } },
});
const ORDERS = Number(values.orders);
const OTHERS = Number(values.others);

/** Users, then per kind the bench user's orders and the others' spread over the last 30 days. */
async function seed(sql: Sql): Promise<string> {
  await sql`
    insert into users (email, password_hash) select 'bench-' || i || '@example.com', 'x' from generate_series(0, 1000) i`;
  const [me] = await sql`select id from users where email = 'bench-0@example.com'`;
  const spread = (n: number) => sql`now() - interval '30 days' + (i * interval '30 days') / ${n}`;
  const owner = (n: number) =>
    sql`case when i <= ${ORDERS} then ${me!.id}::uuid else (select id from users where email = 'bench-' || (1 + i % 1000) || '@example.com') end`;
  const total = ORDERS + OTHERS;
  await sql`
    insert into deposits (user_id, currency, amount, chain, tx_hash, event_index, event_key, address, workflow_id, status, credited_at, detected_at)
    select ${owner(total)}, 'USDT', 1000000 + i, 'evm-31337', 'tx' || i, 0, '0', 'addr', 'deposit:' || i, 'credited', now(), ${spread(total)}
    from generate_series(1, ${total}) i`;
  await sql`
    insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters, created_at)
    select ${owner(total)}, 'k' || i, 'ETH', 1000 + i, 1, 'addr', 'succeeded', false, '{}', ${spread(total)}
    from generate_series(1, ${total}) i`;
  await sql`insert into ledger_accounts (name, currency, no_overdraft) values ('user:bench-a', 'USD', false), ('user:bench-b', 'USD', false)`;
  await sql`
    with a as (select min(id) as debit, max(id) as credit from ledger_accounts where name like 'user:bench-%')
    insert into ledger_transfers (key, kind, debit_account_id, credit_account_id, currency, amount, metadata, created_at)
    select 'transfer:bench:' || i, 'posted', a.debit, a.credit, 'USD', 100 + i,
           jsonb_build_object('type', 'internal_transfer', 'from_user_id', ${owner(total)}, 'to_user_id', ${me!.id}::uuid, 'fee', '0'),
           ${spread(total)}
    from generate_series(1, ${total}) i, a`;
  await sql`analyze`;
  return me!.id as string;
}

async function timed(label: string, runs: number, page: (n: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let n = 0; n < runs; n++) {
    const started = performance.now();
    await page(n);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} p50 ${percentile(times, 50).toFixed(2)} ms   p99 ${percentile(times, 99).toFixed(2)} ms`);
}

await withBenchDatabase({ maxConnections: 4 }, async ({ sql }) => {
  const seeding = Date.now();
  const me = await seed(sql);
  console.log(
    `seeded ${3 * ORDERS} orders of one user among ${3 * (ORDERS + OTHERS)} in ${((Date.now() - seeding) / 1000).toFixed(1)} s`,
  );
  const page = (filter: Partial<HistoryFilter> = {}) => orderHistory(sql, me, { limit: 51, ...filter });

  // cursors 1, 10, 100 and 1,000 pages deep, collected by paging once
  const cursors: Array<{ createdAt: string; id: string }> = [];
  let after: HistoryFilter['after'];
  for (let n = 1; n <= 1000; n++) {
    const rows = await page({ after });
    const last = rows[49]!;
    after = { createdAt: last.position, id: last.id };
    if ([1, 10, 100, 1000].includes(n)) cursors.push(after);
  }
  await timed('first page (50 of every kind)', 200, () => page());
  for (const [i, depth] of [1, 10, 100, 1000].entries())
    await timed(`page after ${depth} pages`, 200, () => page({ after: cursors[i] }));
  await timed('type=withdrawal', 200, () => page({ types: ['withdrawal'] }));
  await timed('currency=USD (transfers)', 200, () => page({ currency: 'USD' }));
  await timed('one day, 10 pages in', 200, () =>
    page({ from: new Date(Date.now() - 20 * 86_400_000), to: new Date(Date.now() - 19 * 86_400_000), after: cursors[1] }),
  );
  await sql.end();
});
