/** The withdrawal queues' sizes (the console's tabs and dashboard): every status asked for, counted in one query. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db/client.js';
import { withdrawalCounts } from '../../services/withdrawals/store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

/** The database, counting the queries sent through it (tagged templates; fragments and helpers are not queries). */
function counting(sql: Db): { sql: Db; queries: () => number } {
  let queries = 0;
  const proxy = new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      if (Array.isArray(args[0]) && 'raw' in args[0]) queries++;
      return Reflect.apply(target, self, args);
    },
  });
  return { sql: proxy, queries: () => queries };
}

describe('withdrawalCounts', () => {
  it('counts every queue asked for in one query, an empty one as 0', async () => {
    const [user] = await db.sql`insert into users (email, password_hash) values ('counted@example.com', 'x') returning id`;
    const statuses = ['awaiting_approval', 'awaiting_approval', 'broadcast', 'succeeded'];
    for (const [i, status] of statuses.entries()) {
      await db.sql`
        insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters)
        values (${user!.id}, ${`count-${i}`}, 'USD', 1000, 10, 'addr', ${status}, false, '[]')`;
    }
    const { sql, queries } = counting(db.sql);
    const counts = await withdrawalCounts(sql, ['awaiting_confirmation', 'awaiting_approval', 'queued', 'broadcast']);
    expect([...counts]).toEqual([
      ['awaiting_confirmation', 0],
      ['awaiting_approval', 2],
      ['queued', 0],
      ['broadcast', 1],
    ]);
    // one count query per status before: five for the console's queue tabs on every refresh
    expect(queries()).toBe(1);
  });
});
