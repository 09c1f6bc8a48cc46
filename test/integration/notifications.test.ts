import { Client } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchNotifications } from '../../services/notifications/dispatcher.js';
import { markRead, notificationsFor, notify, notifyMany } from '../../services/notifications/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('notifications', () => {
  it("records each key once and lists users' and operators' separately", async () => {
    const user = (await insertUser(db.sql, { email: 'n@example.com', passwordHash: 'x', role: 'user' }))!;
    const first = await notify(db.sql, {
      key: 'bet:1:settled',
      userId: user.id,
      kind: 'bet_settled',
      title: 'Your bet won',
      body: { payout: '18.50' },
    });
    const again = await notify(db.sql, { key: 'bet:1:settled', userId: user.id, kind: 'bet_settled', title: 'changed' });
    expect(again).toMatchObject({ id: first.id, title: 'Your bet won' });
    await notify(db.sql, {
      key: 'gas-keeper:low:1',
      userId: null,
      kind: 'gas_keeper_low',
      severity: 'critical',
      title: 'Gas keeper low',
    });

    expect((await notificationsFor(db.sql, user.id, { limit: 10 })).map((n) => n.key)).toEqual(['bet:1:settled']);
    expect((await notificationsFor(db.sql, null, { limit: 10 })).map((n) => n.severity)).toEqual(['critical']);
    expect(await markRead(db.sql, user.id, first.id)).toBe(true);
    expect((await notificationsFor(db.sql, user.id, { limit: 10 }))[0]!.readAt).not.toBeNull();
  });

  it('queues each notification once for the dispatcher, which empties the queue, also of notifications gone with their user', async () => {
    const [kept, leaving] = await Promise.all(
      ['kept@example.com', 'leaving@example.com'].map(
        async (email) => (await insertUser(db.sql, { email, passwordHash: 'x', role: 'user' }))!,
      ),
    );
    const filled = (userId: string, order: string) => ({
      key: `order:${order}:filled`,
      userId,
      kind: 'order_filled',
      title: 'Order filled',
    });
    await db.sql`delete from notifications_outbox`;
    await notify(db.sql, filled(kept!.id, '1'));
    await notifyMany(db.sql, [filled(kept!.id, '1'), filled(kept!.id, '2'), filled(leaving!.id, '3')]);
    await notify(db.sql, filled(kept!.id, '2'));
    const queued = await db.sql`
      select n.key from notifications_outbox o join notifications n on n.id = o.notification_id order by n.key`;
    expect(queued.map((r) => r.key)).toEqual(['order:1:filled', 'order:2:filled', 'order:3:filled']);
    await db.sql`delete from users where id = ${leaving!.id}`;

    // order_filled routes nowhere by default: nothing is sent and no delivery workflow is started (the client never connects)
    const log = pino({ level: 'silent' });
    const deps = {
      sql: db.sql,
      temporal: { client: new Client(), taskQueue: 'unused' },
      log,
      retry: { maximumAttempts: 3, initialIntervalMs: 1_000 },
      delivery: { sql: db.sql, log, mailer: null, telegram: null },
    };
    expect(await dispatchNotifications(deps)).toBe(3);
    expect(await db.sql`select * from notifications_outbox`).toEqual([]);
    expect(await dispatchNotifications(deps)).toBe(0);
  });
});
