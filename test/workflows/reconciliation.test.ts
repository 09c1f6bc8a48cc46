/**
 * The reconciliation workflow's alerts on the time-skipping server, its activities replaced by recorders.
 * RECORD_HISTORIES=1 records the replay test's histories of a run that alerts on drift and of one that fails.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinorUnits } from '../../domain/notifications/amounts.js';
import { classifyDrift, reconciliationReport, type ReconciliationReport } from '../../domain/reconciliation/drift.js';
import type { NewNotification } from '../../services/notifications/store.js';
import type { ReconciliationRecord } from '../../services/reconciliation/store.js';
import { reconciliationWorkflow } from '../../workflows/reconciliation/workflow.js';
import { sampleFields } from '../support/notification-templates.js';
import { recordHistory, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

const line = (chain: bigint, { account = 'custody:hot:evm-1', currency = 'ETH', threshold = 0n } = {}) =>
  classifyDrift(
    { account, currency, ledger: 100n, chain, inFlight: 0n, awaitingConfirmations: 0n, held: 0n, unswept: 0n },
    threshold,
  );

async function run(report: ReconciliationReport, record?: string) {
  const recorded: ReconciliationRecord[] = [];
  const alerts: NewNotification[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'reconciliation-test',
    workflowBundle: workflowBundle(),
    activities: {
      bookChainEvents: async () => ({ networkFees: 2, topUps: 1 }),
      compareCustody: async () => report,
      recordReconciliation: async (r: ReconciliationRecord) => void recorded.push(r),
      recordNotification: async (n: NewNotification) => void alerts.push(n),
    },
  });
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(reconciliationWorkflow, {
      taskQueue: 'reconciliation-test',
      workflowId: 'reconciliation:manual:test',
      args: [{ trigger: 'manual', id: '9b1c4d52-1a3f-4b7e-9c55-2f1d0a6e7b31', requestedBy: undefined }],
    });
    const done = await handle.result();
    if (record) await recordHistory(record, await handle.fetchHistory());
    return done;
  });
  return { result, recorded, alerts };
}

/** A run whose comparison is given up (the chain never answered): what it raised and how it ended. */
async function failingRun(record?: string) {
  const alerts: NewNotification[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'reconciliation-failing-test',
    workflowBundle: workflowBundle(),
    activities: {
      bookChainEvents: async () => ({ networkFees: 0, topUps: 0 }),
      compareCustody: async () => {
        throw ApplicationFailure.nonRetryable('the EVM node did not answer');
      },
      recordReconciliation: async () => {},
      recordNotification: async (n: NewNotification) => void alerts.push(n),
    },
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(reconciliationWorkflow, {
      taskQueue: 'reconciliation-failing-test',
      workflowId: 'reconciliation:scheduled-failing',
      args: [{ trigger: 'schedule' }],
    });
    const error = await handle.result().then(
      () => null,
      (e: unknown) => e,
    );
    if (record) await recordHistory(record, await handle.fetchHistory());
    return { error, alerts, runId: handle.firstExecutionRunId };
  });
}

describe('reconciliationWorkflow', () => {
  it('alerts operators once, naming the run, when a run fails; and still fails', async () => {
    const { error, alerts, runId } = await failingRun('reconciliation-failure-alerted');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(alerts).toEqual([
      {
        key: `reconciliation:scheduled-failing:${runId}:failed`,
        userId: null,
        kind: 'reconciliation_failed',
        severity: 'critical',
        title: 'The reconciliation run reconciliation:scheduled-failing failed: the EVM node did not answer',
        body: {
          workflow_id: 'reconciliation:scheduled-failing',
          run_id: runId,
          trigger: 'schedule',
          activity: 'compareCustody',
          error: 'the EVM node did not answer',
        },
      },
    ]);
  });

  it('books, compares and records; no alert when everything is explained', async () => {
    const { result, recorded, alerts } = await run(reconciliationReport([line(100n)], []));
    expect(result).toMatchObject({ id: '9b1c4d52-1a3f-4b7e-9c55-2f1d0a6e7b31', ok: true, booked: { networkFees: 2, topUps: 1 } });
    expect(recorded).toEqual([
      expect.objectContaining({ workflowId: 'reconciliation:manual:test', trigger: 'manual', ok: true }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts operators once per drifting account and currency, and once per run on wallets below their minimum', async () => {
    const below = [{ target: 'custody:gas-keeper:evm-1', currency: 'ETH', minimum: '10', balance: '3' }];
    const lines = [
      line(60n),
      line(100n, { account: 'custody:cold:evm-1' }),
      line(70n, { account: 'custody:hot:evm-1', currency: 'USDT', threshold: 20n }),
    ];
    const { result, alerts } = await run(reconciliationReport(lines, below), 'reconciliation-drift-alert-per-line');
    expect(result.ok).toBe(false);
    const drifts = alerts.filter((a) => a.kind === 'reconciliation_drift').sort((a, b) => a.title.localeCompare(b.title));
    expect(drifts.map((a) => [a.title, a.severity, a.userId])).toEqual([
      ['Unexplained ETH drift on custody:hot:evm-1', 'critical', null],
      ['Unexplained USDT drift on custody:hot:evm-1', 'critical', null],
    ]);
    // the flat fields of the type's sample and templates, amounts named in minor units with their currency for the
    // recording activity to write in its scale
    expect(drifts.map((a) => a.body)).toEqual([
      {
        reconciliation_id: result.id,
        account: 'custody:hot:evm-1',
        currency: 'ETH',
        drift: inMinorUnits('-40', 'ETH'),
        threshold: inMinorUnits('0', 'ETH'),
      },
      {
        reconciliation_id: result.id,
        account: 'custody:hot:evm-1',
        currency: 'USDT',
        drift: inMinorUnits('-30', 'USDT'),
        threshold: inMinorUnits('20', 'USDT'),
      },
    ]);
    for (const alert of drifts) expect(Object.keys(alert.body!).sort()).toEqual(sampleFields('reconciliation_drift'));
    const [alertOfRun] = alerts.filter((a) => a.kind === 'custody_below_minimum');
    expect(alertOfRun!.body).toEqual({
      reconciliation_id: result.id,
      below: [
        {
          target: 'custody:gas-keeper:evm-1',
          currency: 'ETH',
          minimum: inMinorUnits('10', 'ETH'),
          balance: inMinorUnits('3', 'ETH'),
        },
      ],
    });
    // each under its own key, the same however often its activity is retried
    expect(alerts.map((a) => a.key).sort()).toEqual([
      `reconciliation:manual:test:${result.id}:below-minimum`,
      `reconciliation:manual:test:${result.id}:drift:custody:hot:evm-1:ETH`,
      `reconciliation:manual:test:${result.id}:drift:custody:hot:evm-1:USDT`,
    ]);
  });
});
