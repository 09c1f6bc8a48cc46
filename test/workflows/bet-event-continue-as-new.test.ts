/**
 * The bet event workflow continuing as new, on a Temporal dev server of its own that suggests it after 40 history
 * events: while it waits for the result (polling) and while it settles (page after page), nothing is lost or redone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBetActivities } from '../../activities/betting/activities.js';
import { createNotificationActivities } from '../../activities/notifications/activities.js';
import { changeBetEvent, insertBetEvent } from '../../services/betting/events-store.js';
import { BetPlacer } from '../../services/betting/placement.js';
import { recomputeLedger } from '../../services/audit/recompute.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { betEventWorkflowId } from '../../workflows/betting/messages.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { betEventWorkflow } from '../../workflows/betting/workflow.js';
import { betEventChangedSignal, betSettlementProgressQuery } from '../../workflows/betting/messages.js';
import { SluiceKind } from '../../platform/temporal/search-attributes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { continueAsNewServer, workflowBundle, type ContinueAsNewServer } from '../support/temporal.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';

const log = pino({ level: 'silent' });
let temporal: ContinueAsNewServer;
let db: TestDatabase;

beforeAll(async () => {
  [temporal, db] = await Promise.all([continueAsNewServer('continue-as-new', 40), createTestDatabase()]);
});
afterAll(async () => {
  await temporal?.stop();
  await db?.drop();
});

describe('betEventWorkflow continuing as new', () => {
  it('carries its progress across runs while waiting and while settling, and pays each bet once', async () => {
    const client = new Client({ connection: temporal.connection });
    const provider = (await insertUser(db.sql, { email: 'lines@example.com', passwordHash: 'x', role: 'line_provider' }))!.id;
    const eventId = (
      await insertBetEvent(db.sql, {
        title: null,
        coefficient: 120n,
        deadline: new Date(Date.now() + 3_600_000),
        createdBy: provider,
        idempotencyKey: null,
      })
    ).event.id;
    const placer = new BetPlacer(db.sql);
    const users = [];
    for (let u = 0; u < 3; u++) {
      const user = (await insertUser(db.sql, { email: `b${u}@example.com`, passwordHash: 'x', role: 'user' }))!.id;
      await new LedgerWriter(db.sql).submit({
        transfers: [
          {
            kind: 'posted',
            key: `fund:${u}`,
            debit: 'equity:adjustments',
            credit: userAccountName(user),
            currency: 'USD',
            amount: 10_000n,
          },
        ],
      });
      users.push(user);
    }
    for (let i = 0; i < 30; i++) {
      expect(
        (await placer.place({ userId: users[i % 3]!, eventId, currency: 'USD', amount: 500n, idempotencyKey: `k${i}` })).ok,
      ).toBe(true);
    }

    const worker = await Worker.create({
      connection: temporal.native,
      taskQueue: 'bet-can',
      workflowBundle: workflowBundle(),
      activities: {
        ...createBetActivities({ sql: db.sql, log }),
        ...createNotificationActivities({ sql: db.sql, log, currencies: new CurrencyCatalog(db.sql) }),
      },
    });
    await worker.runUntil(async () => {
      const handle = await client.workflow.start(betEventWorkflow, {
        taskQueue: 'bet-can',
        workflowId: betEventWorkflowId(eventId),
        args: [{ eventId, pollIntervalMs: 200, pageSize: 1 }],
        typedSearchAttributes: [{ key: SluiceKind, value: 'bet-event' }],
      });
      const current = () => client.workflow.getHandle(betEventWorkflowId(eventId));
      for (let i = 0; (await current().describe()).runId === handle.firstExecutionRunId; i++) {
        if (i > 300) throw new Error('the workflow never continued as new while waiting');
        await sleep(100);
      }
      expect(await current().query(betSettlementProgressQuery)).toMatchObject({ phase: 'open', pages: 0 });

      await changeBetEvent(db.sql, eventId, { state: 'finished_win' });
      await current().signal(betEventChangedSignal);
      const settlingRun = await waitForSettling(current);
      const result = await handle.result(); // follows the chain of runs
      expect(result).toMatchObject({
        phase: 'settled',
        outcome: 'finished_win',
        pages: 30,
        tally: { total: 30, won: 30, pending: 0 },
      });
      expect((await current().describe()).runId).not.toBe(settlingRun);
    });

    for (const user of users)
      expect(balanceView(await balanceOf(db.sql, userAccountName(user), 'USD')).posted).toBe(10_000n + 10n * 100n);
    const [{ n }] = (await db.sql`select count(*)::int as n from ledger_transfers where key like 'bet:%:payout'`) as unknown as [
      { n: number },
    ];
    expect(n).toBe(30);
    expect((await recomputeLedger(db.sql)).ok).toBe(true);
  });
});

/** The run id at the moment settlement started. */
async function waitForSettling(current: () => ReturnType<Client['workflow']['getHandle']>): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const progress = await current().query(betSettlementProgressQuery);
    if (progress.phase === 'settling') return (await current().describe()).runId;
    await sleep(50);
  }
  throw new Error('settlement never started');
}
