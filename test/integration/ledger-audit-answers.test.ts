/** How the ledger audit's routes answer operators: the report's per-currency totals in snake_case, as the whole API. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAudit } from '../../services/audit/store.js';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('ledger audit answers', () => {
  it("GET /v1/ops/audits names each currency's sums in snake_case", async () => {
    const id = randomUUID();
    await insertAudit(t.db.sql, {
      id,
      workflowId: `ledger-audit:manual:${id}`,
      trigger: 'manual',
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      ok: false,
      accountsChecked: 2,
      transfersChecked: 1,
      currencies: [{ currency: 'EUR', accounts: 2, postedSum: '7', pendingDebits: '3', pendingCredits: '2', balanced: false }],
      drifts: [],
    });
    const listed = await t.api.get('/v1/ops/audits', { token: t.admin.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data[0].currencies).toEqual([
      { currency: 'EUR', accounts: 2, posted_sum: '7', pending_debits: '3', pending_credits: '2', balanced: false },
    ]);
  });
});
