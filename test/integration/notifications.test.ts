import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markRead, notificationsFor, notify } from '../../services/notifications/store.js';
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
});
