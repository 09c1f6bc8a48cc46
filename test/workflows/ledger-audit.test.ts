/** The ledger audit workflow on the time-skipping server, with its real activities against a test database. */
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditActivities } from '../../activities/audit/activities.js';
import { listAudits } from '../../services/audit/store.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { ORDER_ESCROW } from '../../domain/exchange/settlement.js';
import { ledgerAuditWorkflow } from '../../workflows/audit/workflow.js';
import { ledgerAuditStatusQuery } from '../../workflows/audit/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import type { NewNotification } from '../../services/notifications/store.js';
import { recordHistory, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let db: TestDatabase;

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnvironment(), createTestDatabase()]);
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

async function runAudit(workflowId: string) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'audit-test',
    workflowBundle: workflowBundle(),
    activities: createAuditActivities({ sql: db.sql, log: pino({ level: 'silent' }) }),
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(ledgerAuditWorkflow, {
      taskQueue: 'audit-test',
      workflowId,
      args: [{ trigger: 'manual', requestedBy: undefined }],
    });
    const result = await handle.result();
    return { result, status: await handle.query(ledgerAuditStatusQuery), history: await handle.fetchHistory() };
  });
}

describe('ledgerAuditWorkflow', () => {
  it('alerts operators once, naming the run, when a run fails; and still fails', async () => {
    const alerts: NewNotification[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'audit-failing-test',
      workflowBundle: workflowBundle(),
      activities: {
        ...createAuditActivities({ sql: db.sql, log: pino({ level: 'silent' }) }),
        recomputeLedger: async () => {
          throw ApplicationFailure.nonRetryable('canceling statement due to statement timeout');
        },
        recordNotification: async (n: NewNotification) => void alerts.push(n),
      },
    });
    const { error, runId } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(ledgerAuditWorkflow, {
        taskQueue: 'audit-failing-test',
        workflowId: 'ledger-audit:scheduled-failing',
        args: [{ trigger: 'schedule' }],
      });
      const error = await handle.result().then(
        () => null,
        (e: unknown) => e,
      );
      await recordHistory('ledger-audit-failure-alerted', await handle.fetchHistory());
      return { error, runId: handle.firstExecutionRunId };
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(alerts).toEqual([
      expect.objectContaining({
        key: `ledger-audit:scheduled-failing:${runId}:failed`,
        kind: 'ledger_audit_failed',
        severity: 'critical',
        title: 'The ledger audit run ledger-audit:scheduled-failing failed: canceling statement due to statement timeout',
        body: expect.objectContaining({ trigger: 'schedule', activity: 'recomputeLedger' }),
      }),
    ]);
    expect(await listAudits(db.sql, { limit: 1 })).toEqual([]); // nothing recorded: the run did not happen
  });

  it('reports a balanced ledger, records the audit and answers its status query', async () => {
    const writer = new LedgerWriter(db.sql);
    await writer.submit({
      transfers: [{ kind: 'posted', key: 'f1', debit: 'equity:adjustments', credit: 'user:a', currency: 'EUR', amount: 500n }],
    });
    await writer.submit({
      transfers: [{ kind: 'pending', key: 'h1', debit: 'user:a', credit: 'clearing:withdrawals', currency: 'EUR', amount: 200n }],
    });

    const { result, status, history } = await runAudit('ledger-audit:test-balanced');
    expect(result).toMatchObject({ ok: true, drifts: [], transfersChecked: 2, accountsChecked: 3 });
    expect(result.currencies.find((c) => c.currency === 'EUR')).toEqual({
      currency: 'EUR',
      accounts: 3,
      postedSum: '0',
      pendingDebits: '200',
      pendingCredits: '200',
      balanced: true,
    });
    expect(status).toMatchObject({ state: 'done', id: result.id, ok: true });
    const [stored] = await listAudits(db.sql, { limit: 1 });
    expect(stored).toMatchObject({ id: result.id, workflowId: 'ledger-audit:test-balanced', trigger: 'manual', ok: true });

    if (process.env.RECORD_HISTORIES) {
      await writeFile(new URL('../fixtures/histories/ledger-audit.json', import.meta.url), historyToJSON(history));
    }
  });

  it("reports drift when an account was edited behind the journal's back", async () => {
    await db.sql`update ledger_accounts set debits_posted = debits_posted + 7 where name = 'user:a'`;
    const { result } = await runAudit('ledger-audit:test-drift');
    expect(result.ok).toBe(false);
    expect(result.drifts).toEqual([{ account: 'user:a', currency: 'EUR', field: 'debitsPosted', stored: '7', journal: '0' }]);
    expect(result.currencies.find((c) => c.currency === 'EUR')!.balanced).toBe(false);
  });

  it('reports drift when the order escrow holds what no open order or pending trigger holds', async () => {
    await new LedgerWriter(db.sql).submit({
      transfers: [{ kind: 'pending', key: 'orphan-hold', debit: 'user:a', credit: ORDER_ESCROW, currency: 'EUR', amount: 30n }],
    });
    const { result } = await runAudit('ledger-audit:test-held');
    expect(result.ok).toBe(false);
    expect(result.drifts).toContainEqual({
      account: ORDER_ESCROW,
      currency: 'EUR',
      field: 'heldByOrders',
      stored: '30',
      journal: '0',
    });
  });
});
