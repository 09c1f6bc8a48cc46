/**
 * A statement planned for the values it is given, at every execution, inside a transaction. postgres.js prepares every
 * statement once per connection, and after five executions PostgreSQL may keep a generic plan, made for the tables as
 * they were then, until an ANALYZE of them. A lookup of a batch's keys joined through `unnest` was planned as a hash
 * join over a sequential scan of the whole table while the table was small (an API warming up on a young database),
 * and that plan stayed as the table grew: bench/bets.ts measured the bets and ledger key lookups at 11–21 buffers per
 * bet through the API, against 2–3 (an index probe) for the same statements prepared later. A custom plan sees the
 * table's size and the array's length each time, for a planning cost of about 0.1 ms per batch.
 *
 * Only the one statement: PostgreSQL's own foreign-key checks are parameterised cached plans too, and re-planning them
 * for every row written would cost more than it saves. The three statements are issued at once on the transaction's
 * connection, so they run in order with nothing between them (and in a caller's pipelined round trip).
 */
import type { PendingQuery, Row } from 'postgres';
import type { Tx } from './client.js';

export async function withCustomPlan<T extends readonly Row[]>(tx: Tx, statement: PendingQuery<T>): Promise<T> {
  const [, rows] = await Promise.all([
    tx`set local plan_cache_mode = force_custom_plan`.execute(),
    statement.execute(),
    tx`set local plan_cache_mode to default`.execute(),
  ]);
  return rows;
}
