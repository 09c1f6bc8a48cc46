/**
 * The broadcast workflow on the time-skipping server with its page activity scripted: it pages its audience from the
 * cursor and, once its run is long, continues as new carrying the cursor, so no page is sent twice or skipped.
 * RECORD_HISTORIES=1 records the replay test's broadcast-continues-as-new.json; broadcast-long-run.json is this test
 * recorded before the broadcast continued as new at its bound.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastWorkflowId } from '../../workflows/notifications/broadcast/messages.js';
import { broadcastWorkflow } from '../../workflows/notifications/broadcast/workflow.js';
import { recordHistory, runsOf, runWithWorker, timeSkippingEnvironment } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

describe('broadcastWorkflow', () => {
  it('continues as new once its run is long, carrying its cursor: every page is sent once', async () => {
    const PAGES = 20;
    const after: Array<string | null> = [];
    const activities = {
      async sendBroadcastPage(input: { after: string | null }) {
        after.push(input.after);
        const page = after.length;
        return { nextCursor: page < PAGES ? `user-${page}` : null, sent: page, failed: 0 };
      },
      async closeBroadcast() {
        return { sent: PAGES, failed: 0 };
      },
    };
    const { result, runs } = await runWithWorker(env, 'broadcast', activities, async () => {
      const handle = await env.client.workflow.start(broadcastWorkflow, {
        taskQueue: 'broadcast',
        workflowId: broadcastWorkflowId('1'),
        args: [{ broadcastId: '1', pageSize: 1, ratePerSecond: { email: 1, telegram: 1 }, runHistoryLimit: 20 }],
      });
      const result = await handle.result();
      return { result, runs: await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId) };
    });
    await recordHistory('broadcast-continues-as-new', runs[0]);
    expect(after).toEqual([null, ...Array.from({ length: PAGES - 1 }, (_, i) => `user-${i + 1}`)]);
    expect(result).toMatchObject({ state: 'completed', pages: PAGES, sent: PAGES });
    expect(runs.length).toBeGreaterThan(3);
    for (const run of runs) expect(run.events!.length).toBeLessThan(35);
  });
});
