/**
 * A past ledger audit as operators open it, on the console's Audits page and at GET /v1/ops/audits/{workflow_id}: from
 * its stored result, long after its workflow left Temporal (these tests run no worker: no audit workflow exists).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { appWithConsoleAdmin } from '../support/console-app.js';

const app = appWithConsoleAdmin();

// a scheduled run's ID: the schedule's, with the time Temporal adds
const WORKFLOW_ID = 'ledger-audit:scheduled-2026-01-05T10:00:00Z';
const drifts = [
  { account: 'user:drifting', currency: 'USDT', field: 'creditsPosted', stored: '1500000', journal: '1000000' },
  { account: 'user:drifting (transfer t-1)', currency: 'USDT', field: 'currency', stored: 'USDT', journal: 'USD' },
];

describe('a past ledger audit whose workflow Temporal no longer keeps', () => {
  beforeAll(async () => {
    await app.t.db.sql`
      insert into ledger_audits (id, workflow_id, trigger, started_at, finished_at, ok, accounts_checked, transfers_checked,
                                 currencies, drifts)
      values (${randomUUID()}, ${WORKFLOW_ID}, 'schedule', '2026-01-05T10:00:00Z', '2026-01-05T10:00:02Z', false, 3, 7,
              ${app.t.db.sql.json([])}, ${app.t.db.sql.json(drifts)})`;
  });

  it("opens from the Audits page's list, its drift written as amounts of their currency", async () => {
    const list = await app.admin.get('/audits');
    const link = `/ops/audits/${encodeURIComponent(WORKFLOW_ID)}`;
    expect(list.body).toContain(`href="${link}"`);
    // the link led to a 404 ("no audit workflow with this id"): the page asked only the workflow
    const page = await app.t.api.get(link, { headers: { cookie: app.admin.cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<strong class="audit-state">DRIFT</strong>');
    // stored and journal sums in USDT (6 decimals), as every other amount the console shows; not minor units
    expect(page.body).toContain('<td class="num">1.500000 USDT</td><td class="num">1.000000 USDT</td>');
    expect(page.body).not.toContain('<td class="num">1500000</td>');
    // a currency drift's sides are currency codes
    expect(page.body).toContain('<td class="num">USDT</td><td class="num">USD</td>');
    // its field named as the API names it, from the camelCase the report was stored with
    expect(page.body).toContain('<td>credits_posted</td>');
    expect(page.body).not.toContain('creditsPosted');
  });

  it('is given by the API', async () => {
    const audit = await app.t.api.get(`/v1/ops/audits/${encodeURIComponent(WORKFLOW_ID)}`, { token: app.t.admin.token });
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ workflow_id: WORKFLOW_ID, ok: false, transfers_checked: 7 });
    expect(audit.body.drifts.map((d: { field: string }) => d.field)).toEqual(['credits_posted', 'currency']);
    const unknown = await app.t.api.get('/v1/ops/audits/ledger-audit:manual:nothing-ran', { token: app.t.admin.token });
    expect(unknown.status).toBe(404);
  });
});
