/**
 * The reconciliation workflow's alerts on the time-skipping server, its activities replaced by recorders.
 * RECORD_HISTORIES=1 records the replay test's history of a run that alerts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinorUnits } from '../../domain/notifications/amounts.js';
import { classifyDrift, reconciliationReport, type ReconciliationReport } from '../../domain/reconciliation/drift.js';
import type { NewNotification } from '../../services/notifications/store.js';
import type { ReconciliationRecord } from '../../services/reconciliation/store.js';
import { reconciliationWorkflow } from '../../workflows/reconciliation/workflow.js';
import { recordHistory, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

const line = (chain: bigint) =>
  classifyDrift(
    {
      account: 'custody:hot:evm-1',
      currency: 'ETH',
      ledger: 100n,
      chain,
      inFlight: 0n,
      awaitingConfirmations: 0n,
      held: 0n,
      unswept: 0n,
    },
    0n,
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

describe('reconciliationWorkflow', () => {
  it('books, compares and records; no alert when everything is explained', async () => {
    const { result, recorded, alerts } = await run(reconciliationReport([line(100n)], []));
    expect(result).toMatchObject({ id: '9b1c4d52-1a3f-4b7e-9c55-2f1d0a6e7b31', ok: true, booked: { networkFees: 2, topUps: 1 } });
    expect(recorded).toEqual([
      expect.objectContaining({ workflowId: 'reconciliation:manual:test', trigger: 'manual', ok: true }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts operators once per run on unexplained drift and on wallets below their minimum', async () => {
    const below = [{ target: 'custody:gas-keeper:evm-1', currency: 'ETH', minimum: '10', balance: '3' }];
    const { result, alerts } = await run(reconciliationReport([line(60n)], below), 'reconciliation');
    expect(result.ok).toBe(false);
    expect(alerts.map((a) => [a.kind, a.severity, a.userId])).toEqual([
      ['reconciliation_drift', 'critical', null],
      ['custody_below_minimum', 'warning', null],
    ]);
    // amounts named in minor units with their currency, for the recording activity to write in its scale
    expect(alerts[0]!.body).toEqual({
      reconciliation_id: result.id,
      drifts: [{ account: 'custody:hot:evm-1', currency: 'ETH', unexplained: inMinorUnits('-40', 'ETH') }],
    });
    expect(alerts[1]!.body).toEqual({
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
    expect(new Set(alerts.map((a) => a.key)).size).toBe(2);
  });
});
