/** One active EVM listener per chain: the advisory lock on a reserved session, and noticing when it is gone. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../../platform/db/client.js';
import { stillLeads, tryLead } from '../../chains/evm/listener-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('listener leadership', () => {
  it('lets one session lead per chain, tells it whether it still leads, and passes on when it ends', async () => {
    // a pool of their own: one of the sessions is killed below
    const sessions = createSql(db.url, { max: 2 });
    const first = await sessions.reserve();
    const second = await sessions.reserve();
    try {
      expect(await tryLead(first, 'evm-1')).toBe(true);
      expect(await tryLead(second, 'evm-1')).toBe(false);
      expect(await tryLead(second, 'evm-2')).toBe(true); // another chain, another leader
      expect(await stillLeads(first, 'evm-1')).toBe(true);
      expect(await stillLeads(second, 'evm-1')).toBe(false);

      // the leader's session ends (a crashed listener, a dropped connection): the standby takes over
      const [{ pid }] = (await first`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      await db.sql`select pg_terminate_backend(${pid})`;
      expect(await stillLeads(first, 'evm-1')).toBe(false);
      expect(await tryLead(second, 'evm-1')).toBe(true);
      expect(await stillLeads(second, 'evm-1')).toBe(true);
    } finally {
      first.release();
      second.release();
      await sessions.end({ timeout: 1 });
    }
  });
});
