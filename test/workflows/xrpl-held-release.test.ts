/**
 * Telling held XRPL deposits' workflows of their credit, on the time-skipping server with the real deposit
 * activities: a deposit releasing thousands tells each once, a page per activity, going on after a failed tell from
 * where it stopped; an operator's credit made while Temporal was away is told by the worker's sweep.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDepositActivities } from '../../activities/deposits/credit.js';
import { createNotificationActivities } from '../../activities/notifications/activities.js';
import { DEPOSIT_SETTINGS } from '../../domain/deposits/settings.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { XRP_CURRENCY } from '../../domain/xrpl-tracking/payments.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { depositsFeature } from '../../activities/deposits/worker.js';
import type { WorkerDeps } from '../../activities/worker-deps.js';
import { creditHeldDepositByOperator, signalXrplDeposit } from '../../services/deposits/client.js';
import { DepositCreditor } from '../../services/deposits/creditor.js';
import { creditDeposits, recordDeposits } from '../../services/deposits/store.js';
import { UNTOLD_PAGE } from '../../services/deposits/untold-credits.js';
import { saveLayer } from '../../services/settings/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { xrplDepositStatusQuery, xrplDepositWorkflowId } from '../../workflows/deposits/xrpl/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ADDRESSES } from '../support/rippled/payments.js';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

const TASK_QUEUE = 'xrpl-held-release-test';
const HELD = 2_000;
const log = pino({ level: 'silent' });

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let temporal: TemporalTarget;

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnvironment(), createTestDatabase()]);
  temporal = { client: env.client, taskQueue: TASK_QUEUE };
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

const hashOf = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(8, '0')}`.toUpperCase().padEnd(64, '0');

/**
 * `client` whose tells of a credit (a signal-with-start of a held deposit's run) are counted per workflow, and whose
 * `failAt`-th tell fails as an unreachable Temporal would.
 */
function countingTells(client: Client, failAt = 0) {
  const told = new Map<string, number>();
  let tells = 0;
  const signalWithStart: Client['workflow']['signalWithStart'] = async (type, options) => {
    const isTell = (options.args?.[0] as { heldBefore?: true } | undefined)?.heldBefore === true;
    if (isTell && ++tells === failAt) throw new Error('Temporal is unreachable');
    const handle = await client.workflow.signalWithStart(type, options);
    if (isTell) told.set(options.workflowId, (told.get(options.workflowId) ?? 0) + 1);
    return handle;
  };
  const workflow = new Proxy(client.workflow, {
    get: (target, key) => (key === 'signalWithStart' ? signalWithStart : Reflect.get(target, key, target)),
  });
  const counting = new Proxy(client, {
    get: (target, key) => (key === 'workflow' ? workflow : Reflect.get(target, key, target)),
  });
  return { client: counting, told, tells: () => [...told.values()].reduce((a, b) => a + b, 0) };
}

/**
 * `count` one-drop deposits of a user held below their 100 XRP minimum (their workflows never ran: a tell starts
 * one), and a recorded deposit of 100 XRP that releases them once credited.
 */
async function heldDeposits(count: number, prefix: string) {
  const userId = (await insertUser(db.sql, { email: `held-${prefix}@example.com`, passwordHash: 'x', role: 'user' }))!.id;
  const layer = { operation: DEPOSIT_SETTINGS.operation, subject: XRP_CURRENCY, scope: 'user' as const, scopeId: userId };
  await saveLayer(db.sql, layer, { min_amount: '100000000' }, null);
  const deposit = (hash: string, drops: bigint) => ({
    userId,
    currency: XRP_CURRENCY,
    amount: drops,
    chain: XRPL_CHAIN,
    txHash: hash,
    eventIndex: 0,
    address: ADDRESSES.carol,
    destinationTag: 7n,
    workflowId: xrplDepositWorkflowId(hash),
  });
  const held = await recordDeposits(
    db.sql,
    Array.from({ length: count }, (_, i) => deposit(hashOf(`${prefix}A`, i), 1n)),
  );
  await db.sql.begin((tx) =>
    creditDeposits(
      tx,
      held.map((d) => d.id),
    ),
  );
  const [releasing] = await recordDeposits(db.sql, [deposit(hashOf(`${prefix}B`, 0), 100_000_000n)]);
  return { userId, held, releasing: releasing! };
}

describe('telling held XRPL deposits of their credit', () => {
  it(`tells each of ${HELD} deposits a credit released once, a page per activity, going on after a failed tell`, async () => {
    const { userId, held, releasing } = await heldDeposits(HELD, 'release');
    // the 500th tell fails: a retry tells only what was left (it told all 2,000 again, from the first)
    const tells = countingTells(env.client, 500);
    const activities = createDepositActivities({
      sql: db.sql,
      log,
      creditor: new DepositCreditor(db.sql),
      temporal: { client: tells.client, taskQueue: TASK_QUEUE },
    });
    const releasedIds = new Set(held.map((d) => d.id));
    const loaded = new Set<string>();
    let mostTellsInOneActivity = 0;
    let longestActivityMs = 0;
    const measured =
      <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        const [started, tellsBefore] = [performance.now(), tells.tells()];
        try {
          return await f(...args);
        } finally {
          mostTellsInOneActivity = Math.max(mostTellsInOneActivity, tells.tells() - tellsBefore);
          longestActivityMs = Math.max(longestActivityMs, performance.now() - started);
        }
      };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: workflowBundle(),
      activities: {
        ...activities,
        creditDeposit: measured(activities.creditDeposit),
        tellReleasedDeposits: measured(activities.tellReleasedDeposits),
        loadDeposit: async (id: string) => {
          if (releasedIds.has(id)) loaded.add(id);
          return activities.loadDeposit(id);
        },
        ...createNotificationActivities({ sql: db.sql, log, currencies: new CurrencyCatalog(db.sql) }),
      },
    });
    const started = performance.now();
    let releasingDoneMs = 0;
    await worker.runUntil(async () => {
      await signalXrplDeposit(temporal, { depositId: releasing.id, hash: releasing.txHash, ledgerIndex: 1, userId });
      expect(await env.client.workflow.getHandle(releasing.workflowId).result()).toMatchObject({ state: 'credited' });
      releasingDoneMs = performance.now() - started;
      // every released deposit's run read its credited row
      await expect.poll(() => loaded.size, { timeout: 600_000, interval: 200 }).toBe(HELD);
    });
    // the figures README gives: 2,000 released on the time-skipping server
    console.log(
      `released ${HELD}: releasing workflow done in ${Math.round(releasingDoneMs)} ms, every released run read its ` +
        `row by ${Math.round(performance.now() - started)} ms, longest activity ${Math.round(longestActivityMs)} ms`,
    );
    expect(tells.told.size).toBe(HELD);
    expect([...new Set(tells.told.values())]).toEqual([1]);
    expect(mostTellsInOneActivity).toBeLessThanOrEqual(UNTOLD_PAGE);
    expect(await db.sql`select count(*)::int as n from xrpl_untold_credits`).toEqual([{ n: 0 }]);
    const statuses = await db.sql`select status, count(*)::int as n from deposits where user_id = ${userId} group by status`;
    expect(statuses).toEqual([{ status: 'credited', n: HELD + 1 }]);
  }, 900_000);

  it("tells a held deposit's workflow of an operator's credit made while Temporal was away, from the worker's sweep", async () => {
    const { userId, held } = await heldDeposits(1, 'operator');
    const [deposit] = held;
    const activities = createDepositActivities({ sql: db.sql, log, creditor: new DepositCreditor(db.sql), temporal });
    const handle = env.client.workflow.getHandle(deposit!.workflowId);
    const operatorId = (await insertUser(db.sql, { email: 'held-ops@example.com', passwordHash: 'x', role: 'admin' }))!.id;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: workflowBundle(),
      activities: {
        ...activities,
        ...createNotificationActivities({ sql: db.sql, log, currencies: new CurrencyCatalog(db.sql) }),
      },
    });
    await worker.runUntil(async () => {
      await signalXrplDeposit(temporal, { depositId: deposit!.id, hash: deposit!.txHash, ledgerIndex: 1, userId });
      expect(await handle.result()).toMatchObject({ state: 'held' });

      const away = { client: countingTells(env.client, 1).client, taskQueue: TASK_QUEUE };
      await creditHeldDepositByOperator({ sql: db.sql, log, temporal: away }, operatorId, deposit!.id);
      expect((await handle.query(xrplDepositStatusQuery)).state).toBe('held');

      // the worker's sweeps run (a sweep's grace: its interval)
      const deps = {
        config: { SECRET_KEY: 'ab'.repeat(32), START_SWEEP_INTERVAL: 1 },
        sql: db.sql,
        log,
        temporal,
        currencies: new CurrencyCatalog(db.sql),
      } as unknown as WorkerDeps;
      for (const sweep of (await depositsFeature.start(deps)).sweeps ?? []) await sweep.run();
      const latest = env.client.workflow.getHandle(deposit!.workflowId);
      await expect.poll(async () => (await latest.query(xrplDepositStatusQuery)).state, { timeout: 20_000 }).toBe('credited');
    });
    expect(await db.sql`select count(*)::int as n from xrpl_untold_credits`).toEqual([{ n: 0 }]);
  });
});
