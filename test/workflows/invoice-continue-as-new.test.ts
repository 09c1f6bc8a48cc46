/**
 * The invoice workflow continuing as new on a Temporal dev server of its own that suggests it from a run's fifth
 * history event: each run makes one look, and the next wait's end is its boundary, so an operator's mark always meets
 * one; every mark is answered (the time-skipping server fails a task taking an update while a timer fires). Long runs,
 * their late window and settlement are in invoice.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoiceActivities } from '../../activities/invoices/activities.js';
import { SluiceKind } from '../../platform/temporal/search-attributes.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { invoiceById } from '../../services/invoices/store.js';
import { insertUsdtInvoice } from '../support/merchant.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { invoiceWorkflowId, markInvoiceUpdate } from '../../workflows/invoices/messages.js';
import { invoiceWorkflow } from '../../workflows/invoices/workflow.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { continueAsNewServer, workflowBundle, type ContinueAsNewServer } from '../support/temporal.js';

const log = pino({ level: 'silent' });
let temporal: ContinueAsNewServer;
let db: TestDatabase;

beforeAll(async () => {
  [temporal, db] = await Promise.all([continueAsNewServer('invoice-continue-as-new', 5), createTestDatabase()]);
});
afterAll(async () => {
  await temporal?.stop();
  await db?.drop();
});

describe('invoiceWorkflow continuing as new', () => {
  it('answers every mark sent while it continues as new look after look, and records the first', async () => {
    const client = new Client({ connection: temporal.connection });
    const merchant = (await insertUser(db.sql, { email: 'shop@example.com', passwordHash: 'x', role: 'merchant' }))!.id;
    const operator = (await insertUser(db.sql, { email: 'ops@example.com', passwordHash: 'x', role: 'operator' }))!.id;
    const expiresAt = new Date(Date.now() + 3_600_000);
    const invoiceId = await insertUsdtInvoice(db.sql, {
      merchantId: merchant,
      acceptedCurrencies: ['USDT'],
      expiresAt,
      monitoringUntil: new Date(expiresAt.getTime() + 3_600_000),
    });
    const worker = await Worker.create({
      connection: temporal.native,
      taskQueue: 'invoice-can',
      workflowBundle: workflowBundle(),
      activities: createInvoiceActivities({ sql: db.sql, log, currencies: new CurrencyCatalog(db.sql), prices: null }),
    });
    await worker.runUntil(async () => {
      // a look every 20 ms, and a new run after each: a mark ends the wait of a run that would continue as new
      const handle = await client.workflow.start(invoiceWorkflow, {
        taskQueue: 'invoice-can',
        workflowId: invoiceWorkflowId(invoiceId),
        args: [{ invoiceId: invoiceId, pollIntervalMs: 20, lateWindowMs: 10_000 }],
        typedSearchAttributes: [{ key: SluiceKind, value: 'invoice' }],
      });
      while ((await handle.describe()).runId === handle.firstExecutionRunId) await sleep(10);
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) {
        const request = { mark: 'marked_invalid' as const, operatorId: operator, note: `mark ${i}` };
        answers.push(
          await handle
            .executeUpdate(markInvoiceUpdate, { args: [request] })
            .catch((error: Error) => (error.cause as Error | undefined)?.message ?? error.message),
        );
        await sleep(7 * i); // the next one elsewhere in a run
      }
      expect(answers).toEqual(['marked_invalid', ...Array(5).fill('the invoice is already marked_invalid')]);
      expect((await handle.result()).status).toBe('marked_invalid');
    });
    expect(await invoiceById(db.sql, invoiceId)).toMatchObject({
      status: 'marked_invalid',
      markedBy: operator,
      markNote: 'mark 0',
    });
  });
});
