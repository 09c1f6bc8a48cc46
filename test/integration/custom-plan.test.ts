import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCustomPlan } from '../../platform/db/custom-plan.js';
import type { Tx } from '../../platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`create table custom_plan_keys (key text primary key)`;
  await db.sql`insert into custom_plan_keys select 'k' || n from generate_series(1, 200) n`;
});
afterAll(() => db.drop());

// a batch's key lookup, as the bet placer and the ledger send it; the marker names it in pg_prepared_statements
const lookup = (tx: Tx, keys: string[]) =>
  tx`select /* custom-plan-test */ c.key from unnest(${tx.array(keys)}::text[]) as k(key) join custom_plan_keys c using (key)`;

/** How the connection planned the lookup so far: pg_prepared_statements counts each kind of plan it used. */
async function plansUsed(tx: Tx) {
  const [row] = await tx`
    select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements
    where statement like '%custom-plan-test%' and statement not like '%pg_prepared_statements%'`;
  return row as { generic: number; custom: number };
}

describe('withCustomPlan', () => {
  it('plans the statement for its values at every execution, where PostgreSQL would keep a generic plan', async () => {
    // a batch larger than a generic plan guesses an array to be: the plan cache settles on the generic plan
    const keys = Array.from({ length: 50 }, (_, i) => `k${i + 1}`);
    const [kept, custom] = await db.sql.begin(async (tx) => {
      // the same prepared statement, run often enough for the plan cache to settle on a generic plan
      for (let i = 0; i < 10; i++) await lookup(tx, keys);
      const before = await plansUsed(tx);
      for (let i = 0; i < 10; i++) expect(await withCustomPlan(tx, lookup(tx, keys))).toHaveLength(keys.length);
      return [before, await plansUsed(tx)];
    });
    expect(kept.generic).toBeGreaterThan(0);
    expect(custom.generic).toBe(kept.generic);
    expect(custom.custom).toBe(kept.custom + 10);
  });

  it("leaves the transaction's other statements to the plan cache (the foreign-key checks among them)", async () => {
    const setting = await db.sql.begin(async (tx) => {
      const [[during]] = await Promise.all([
        withCustomPlan(tx, tx`select current_setting('plan_cache_mode') as mode`),
        tx`select 1`,
      ]);
      const [after] = await tx`select current_setting('plan_cache_mode') as mode`;
      return { during: during!.mode, after: after!.mode };
    });
    expect(setting).toEqual({ during: 'force_custom_plan', after: 'auto' });
  });
});
