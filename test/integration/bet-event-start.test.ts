/**
 * Bet events start their workflow after the event commits (store, start, mark started), and the worker's sweep starts
 * the workflows the API missed, once each, on a real PostgreSQL and the run's Temporal dev server (no worker polls:
 * a started workflow just waits for one).
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betEventOutbox, startUnstartedBetEvents } from '../../services/betting/client.js';
import { insertBetEvent } from '../../services/betting/events-store.js';
import { publishBetEvent } from '../../services/betting/service.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { betEventWorkflowId } from '../../workflows/betting/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ownNamespace } from '../support/own-namespace.js';

const GRACE_SECONDS = 30;
const log = pino({ level: 'silent' });
const taskQueue = `bet-event-start-${randomBytes(4).toString('hex')}`;

let db: TestDatabase;
let temporal: Awaited<ReturnType<typeof ownNamespace>>;
let client: Client;
let provider: string;

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await ownNamespace();
  client = temporal.client;
  provider = (await insertUser(db.sql, { email: 'lines@example.com', passwordHash: 'x', role: 'line_provider' }))!.id;
});
afterAll(async () => {
  await temporal?.close();
  await db?.drop();
});

const sweep = () => startUnstartedBetEvents(client, db.sql, taskQueue, log, GRACE_SECONDS);

/** An event stored as if its API process died right after the commit: no workflow, not marked started. */
async function storedEvent(secondsAgo: number): Promise<string> {
  const { event } = await insertBetEvent(db.sql, {
    title: 'match',
    coefficient: 185n,
    deadline: new Date(Date.now() + 3_600_000),
    createdBy: provider,
    idempotencyKey: null,
  });
  await db.sql`update bet_events set created_at = now() - make_interval(secs => ${secondsAgo}) where id = ${event.id}`;
  return event.id;
}

const workflowStarted = async (id: string) =>
  (await db.sql`select workflow_started from bet_events where id = ${id}`)[0]!.workflowStarted as boolean;
const runIdOf = async (id: string) => (await client.workflow.getHandle(betEventWorkflowId(id)).describe()).runId;

describe('starting bet event workflows', () => {
  it('publishing stores the event, starts its workflow and marks it started; its key answers only the same request', async () => {
    const publish = (change: { title?: string; deadline?: number } = {}) =>
      publishBetEvent(
        { sql: db.sql, temporal: { client, taskQueue }, log },
        { providerId: provider, idempotencyKey: 'publish-1', title: 'final', coefficient: 210n, deadline: null, ...change },
      );
    const { event, replayed } = await publish();
    expect(replayed).toBe(false);
    expect(await workflowStarted(event.id)).toBe(true);
    expect(await runIdOf(event.id)).toBeTruthy();

    // the default deadline the first request got is the deadline of every repeat that gives none, or gives it
    const deadline = event.deadline.getTime() / 1000;
    for (const repeat of [await publish(), await publish({ deadline })])
      expect(repeat).toMatchObject({ event: { id: event.id }, replayed: true });
    await expect(publish({ title: 'semi-final', deadline: deadline + 60 })).rejects.toMatchObject({
      code: 'idempotency_conflict',
      issues: [{ path: 'Idempotency-Key', message: expect.stringContaining('(title, deadline differ)') }],
    });
  });

  it('the sweep starts the workflow of an event whose start was missed, and a second sweep starts nothing', async () => {
    const missed = await storedEvent(GRACE_SECONDS + 30);
    const recent = await storedEvent(0); // its API request may still be starting it: left alone
    await expect(client.workflow.getHandle(betEventWorkflowId(missed)).describe()).rejects.toThrow();

    expect(await sweep()).toBe(1);
    expect(await workflowStarted(missed)).toBe(true);
    expect(await workflowStarted(recent)).toBe(false);
    const runId = await runIdOf(missed);

    expect(await sweep()).toBe(0);
    expect(await runIdOf(missed)).toBe(runId);
  });

  it('the sweep joins a workflow that was started but not marked, instead of starting a second run', async () => {
    const id = await storedEvent(GRACE_SECONDS + 30);
    const outbox = betEventOutbox({ client, taskQueue }, db.sql);
    const [event] = await outbox.unstarted(GRACE_SECONDS);
    expect(event!.id).toBe(id);
    await outbox.start(event!); // the API started it and died before marking it
    const runId = await runIdOf(id);

    expect(await sweep()).toBe(1);
    expect(await workflowStarted(id)).toBe(true);
    expect(await runIdOf(id)).toBe(runId);
    expect(await sweep()).toBe(0);
  });
});
