/**
 * An XRPL account whose backfill cannot start is not watched, and the error that stopped it stays what it is: an
 * unreachable Temporal goes on to the error handler's 503 to retry (temporal-down.test.ts), and any other error (a
 * bug) is not dressed up as one, to be logged and answered as the failure of ours it is.
 */
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountByAddress, watchAccount } from '../../services/xrpl-tracking/accounts-store.js';
import { addWatchedAccount, resyncAccount } from '../../services/xrpl-tracking/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const ADDRESS = 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh';
const bug = new TypeError("Cannot read properties of undefined (reading 'workflowId')");
/** A Temporal client whose every start fails with the bug. */
const temporal = {
  client: { workflow: { start: () => Promise.reject(bug), signalWithStart: () => Promise.reject(bug) } } as unknown as Client,
  taskQueue: 'xrpl-watch-failures',
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('an XRPL backfill that fails to start with an error of ours', () => {
  it('leaves the account unwatched and passes the error on as it is', async () => {
    const operator = { id: 'operator-1', email: 'ops@example.com' };
    const adding = addWatchedAccount(db.sql, temporal, pino({ level: 'silent' }), { address: ADDRESS, label: null, operator });
    await expect(adding).rejects.toBe(bug);
    expect(await accountByAddress(db.sql, ADDRESS)).toBeNull();
  });

  it('passes the error of a resync on as it is', async () => {
    await watchAccount(db.sql, { address: ADDRESS, label: 'cold wallet' });
    await expect(resyncAccount(db.sql, temporal, { address: ADDRESS, operatorEmail: 'ops@example.com' })).rejects.toBe(bug);
  });
});
