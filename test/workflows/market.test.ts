/**
 * The market workflow on the time-skipping server with its activities stubbed: operators halt and resume it by
 * Update (the validators refuse a halt without a reason, a second halt and a resume of a trading market), and its
 * timer checkpoints and audits the market, telling operators when the audit fails; a long run continues as new.
 * RECORD_HISTORIES=1 records the replay test's histories; market-long-run.json is the long run's test recorded before
 * the market continued as new at its bound.
 */
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewNotification } from '../../services/notifications/store.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import {
  haltMarketUpdate,
  marketSearchAttributes,
  marketStateQuery,
  marketWorkflowId,
  marketWorkflowType,
  resumeMarketUpdate,
  type MarketAudit,
  type MarketInput,
  type MarketWorkflow,
} from '../../workflows/exchange/market/messages.js';
import { recordHistory, runsOf, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

const TASK_QUEUE = 'market-test';
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

function stubs(audit: MarketAudit) {
  const calls = { halted: [] as Array<string | null>, checkpoints: 0, audits: 0, notifications: [] as NewNotification[] };
  const activities = {
    async setMarketHalted(input: { pair: string; reason: string | null }) {
      calls.halted.push(input.reason);
    },
    async checkpointMarket() {
      calls.checkpoints++;
      return { seq: 10 * calls.checkpoints, hash: 'abc' };
    },
    async auditMarket() {
      calls.audits++;
      return audit;
    },
    async recordNotification(n: NewNotification) {
      calls.notifications.push(n);
    },
  };
  return { calls, activities };
}

async function running(
  pair: string,
  audit: MarketAudit,
  body: (handle: any, calls: ReturnType<typeof stubs>['calls']) => Promise<void>,
  input: Partial<MarketInput> = {},
) {
  const { calls, activities } = stubs(audit);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<MarketWorkflow>(marketWorkflowType, {
      taskQueue: TASK_QUEUE,
      workflowId: marketWorkflowId(pair),
      args: [{ pair, checkpointEveryMs: 60_000, ...input }],
      typedSearchAttributes: marketSearchAttributes,
    });
    await body(handle, calls);
    await handle.terminate('test done');
  });
}

const clean: MarketAudit = { ok: true, engine: { seq: 5, hash: 'h' }, journal: { seq: 5, hash: 'h' }, heldMismatches: [] };

describe('the market workflow', () => {
  it('halts and resumes by Update, refusing what does not make sense', async () => {
    await running('BTC-USDT', clean, async (handle, calls) => {
      await expect(handle.executeUpdate(haltMarketUpdate, { args: [{ reason: ' ', by: 'op' }] })).rejects.toThrow();
      await expect(handle.executeUpdate(resumeMarketUpdate, { args: [{ by: 'op' }] })).rejects.toThrow();
      const halted = await handle.executeUpdate(haltMarketUpdate, { args: [{ reason: 'maintenance', by: 'op' }] });
      expect(halted.halted).toEqual({ reason: 'maintenance', by: 'op' });
      await expect(handle.executeUpdate(haltMarketUpdate, { args: [{ reason: 'again', by: 'op' }] })).rejects.toThrow();
      expect((await handle.describe()).typedSearchAttributes.get(SluiceStatus)).toBe('halted');
      const resumed = await handle.executeUpdate(resumeMarketUpdate, { args: [{ by: 'op' }] });
      expect(resumed.halted).toBeNull();
      expect(calls.halted).toEqual(['maintenance', null]);
      expect((await handle.describe()).typedSearchAttributes.get(SluiceStatus)).toBe('trading');
    });
  });

  it('checkpoints and audits on its timer, and tells operators about a failed audit', async () => {
    const failing: MarketAudit = {
      ok: false,
      engine: { seq: 7, hash: 'a' },
      journal: { seq: 7, hash: 'b' },
      heldMismatches: ['USDT'],
    };
    await running('ETH-USDT', failing, async (handle, calls) => {
      await env.sleep(61_000);
      await expect.poll(() => calls.audits, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      await expect.poll(async () => (await handle.query(marketStateQuery)).lastAudit, { timeout: 10_000 }).toEqual(failing);
      expect(calls.checkpoints).toBeGreaterThanOrEqual(1);
      expect(calls.notifications[0]).toMatchObject({ kind: 'market_audit_failed', severity: 'critical', userId: null });
      await handle.executeUpdate(haltMarketUpdate, { args: [{ reason: 'audit failed', by: 'op' }] });
      if (process.env.RECORD_HISTORIES) {
        const history = await handle.fetchHistory();
        await writeFile(new URL('../fixtures/histories/market.json', import.meta.url), historyToJSON(history));
      }
    });
  });

  it('continues as new once its run is long, still halted and checkpointing', async () => {
    await running(
      'SOL-USDT',
      clean,
      async (handle, calls) => {
        await handle.executeUpdate(haltMarketUpdate, { args: [{ reason: 'maintenance', by: 'op' }] });
        await env.sleep('12 minutes'); // twelve checkpoints on its timer
        await expect.poll(() => calls.audits, { timeout: 10_000 }).toBeGreaterThanOrEqual(12);
        const runs = await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId);
        await recordHistory('market-continues-as-new', runs[0]);
        expect(runs.length).toBeGreaterThan(2);
        for (const run of runs) expect(run.events!.length).toBeLessThan(60);
        const state = await handle.query(marketStateQuery);
        expect(state).toMatchObject({ halted: { reason: 'maintenance', by: 'op' }, lastAudit: clean });
        expect((await handle.describe()).typedSearchAttributes.get(SluiceStatus)).toBe('halted');
      },
      { runHistoryLimit: 40 },
    );
  });
});
