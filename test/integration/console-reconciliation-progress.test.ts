/**
 * A reconciliation run from the console: its page shows the run in progress and refreshes that part of itself (htmx)
 * until the result is recorded, then stops asking; no reload. It used to say "running" until the operator reloaded.
 * The list shows runs in progress above the finished ones; it used to show only finished runs.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { insertReconciliation } from '../../services/reconciliation/store.js';
import { manualReconciliationWorkflowId, reconciliationWorkflowType } from '../../workflows/reconciliation/messages.js';
import { launchBrowser, signInToConsole } from '../support/browser.js';
import { appWithConsoleAdmin } from '../support/console-app.js';

const app = appWithConsoleAdmin();

describe('the list of reconciliations', () => {
  it('shows a run in progress above the finished ones, linking to its page', { timeout: 30_000 }, async () => {
    const id = randomUUID();
    const workflow = await app.t.deps.temporal.client.workflow.start(reconciliationWorkflowType, {
      taskQueue: app.t.deps.temporal.taskQueue,
      workflowId: manualReconciliationWorkflowId(id),
      args: [{ trigger: 'manual', id, requestedBy: app.t.admin.id }],
    });
    try {
      // Temporal's visibility lists a started workflow a moment later
      await expect
        .poll(async () => (await app.admin.get('/reconciliations')).body, { timeout: 10_000, interval: 250 })
        .toContain(`<a href="/ops/reconciliations/${id}">`);
      const listed = (await app.admin.get('/reconciliations')).body;
      expect(listed.indexOf('<caption>In progress</caption>')).toBeLessThan(listed.indexOf('<caption>Runs, newest first'));
    } finally {
      await workflow.terminate().catch(() => undefined);
    }
  });
});

describe("a reconciliation run's page", () => {
  it('shows its progress while it runs, and its result once recorded, without a reload', { timeout: 60_000 }, async () => {
    // an on-demand run as the console starts it (but for the search attributes, which this server has not): no worker
    // takes its task here, so it runs until the test records its result
    const id = randomUUID();
    const path = `/ops/reconciliations/${id}`;
    const workflow = await app.t.deps.temporal.client.workflow.start(reconciliationWorkflowType, {
      taskQueue: app.t.deps.temporal.taskQueue,
      workflowId: manualReconciliationWorkflowId(id),
      args: [{ trigger: 'manual', id, requestedBy: app.t.admin.id }],
    });
    try {
      const running = await app.admin.get(`/reconciliations/${id}`);
      expect(running.body).toContain(`hx-get="/ops/reconciliations/${id}/progress"`);
      expect(running.body).toContain('<span class="reconciliation-step">starting, or between steps</span>');

      const server = serve({ fetch: app.t.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((resolve) => server.once('listening', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await signInToConsole(page, url, app.t.admin);
        await page.goto(`${url}${path}`);
        await expect(page.locator('.reconciliation-result').textContent()).resolves.toBe('running');
        const refreshes: string[] = [];
        page.on('request', (r) => {
          if (r.headers()['hx-request'] === 'true') refreshes.push(r.url());
        });
        let loads = 0;
        page.on('load', () => loads++);

        const at = new Date().toISOString();
        await insertReconciliation(app.t.db.sql, {
          id,
          workflowId: manualReconciliationWorkflowId(id),
          trigger: 'manual',
          startedAt: at,
          finishedAt: at,
          ok: true,
          booked: { networkFees: 2, topUps: 0 },
          lines: [],
          belowMinimum: [],
        });
        await workflow.terminate('the test recorded its result');
        // the run's section refreshes every 2 s: its next refresh brings the result
        await page.locator('.reconciliation-result', { hasText: 'reconciled' }).waitFor({ timeout: 15_000 });
        expect(loads).toBe(0);
        expect(await page.locator('#run').getAttribute('hx-get')).toBe(null);
        const done = refreshes.length;
        expect(done).toBeGreaterThan(0);
        await page.waitForTimeout(4_500);
        expect(refreshes.length).toBe(done);
      } finally {
        await browser.close();
        server.close();
      }
    } finally {
      await workflow.terminate().catch(() => undefined);
    }
  });
});
