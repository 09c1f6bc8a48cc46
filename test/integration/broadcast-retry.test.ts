/**
 * A broadcast page against the Telegram Bot API double: a recipient Telegram rate-limits is tried again after the
 * retry_after it was given, one that keeps failing is logged failed after its tries, and neither holds up or repeats
 * the others' sends.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroadcastActivities } from '../../activities/notifications/broadcast.js';
import { TelegramBotApi } from '../../platform/telegram/bot-api.js';
import { insertBroadcast } from '../../services/notifications/broadcasts-store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { TelegramSlackDouble } from '../support/telegram-slack-double.js';

let db: TestDatabase;
let double: TelegramSlackDouble;
beforeAll(async () => {
  [db, double] = await Promise.all([createTestDatabase(), TelegramSlackDouble.start()]);
});
afterAll(async () => {
  await db?.drop();
  await double?.close();
});

describe('a broadcast page', () => {
  it('retries a failed recipient with backoff, honouring retry_after, without blocking or resending the others', async () => {
    const chats = ['9001', '9002', '9003'];
    for (const [i, chat] of chats.entries()) {
      const user = (await insertUser(db.sql, { email: `b${i}@example.com`, passwordHash: 'x', role: 'user' }))!;
      await db.sql`insert into telegram_chats (user_id, chat_id) values (${user.id}, ${chat})`;
    }
    const [limited, failing, fine] = chats as [string, string, string];
    double.tooManyRequests.set(limited, { retryAfter: 1, times: 1 });
    double.tooManyRequests.set(failing, { retryAfter: 0, times: 100 });
    const broadcast = await insertBroadcast(db.sql, {
      title: 'Maintenance',
      message: 'Sunday 02:00 UTC',
      channels: ['telegram'],
      audience: {},
      createdBy: (await db.sql`select id from users limit 1`)[0]!.id,
    });

    const activities = createBroadcastActivities(
      {
        sql: db.sql,
        log: pino({ level: 'silent' }),
        mailer: null,
        telegram: new TelegramBotApi({ token: double.token, apiUrl: double.url }),
      },
      { maximumAttempts: 3, initialIntervalMs: 100 },
    );
    const result = await new MockActivityEnvironment().run(activities.sendBroadcastPage, {
      broadcastId: broadcast.id,
      after: null,
      pageSize: 10,
      ratePerSecond: { email: 100, telegram: 100 },
    });
    expect(result).toMatchObject({ nextCursor: null, sent: 2, failed: 1 });

    // each recipient got the message once at most; the rate-limited one after the second it was asked to wait
    expect(double.messagesTo(fine)).toHaveLength(1);
    expect(double.messagesTo(limited)).toHaveLength(1);
    expect(double.messagesTo(failing)).toHaveLength(0);
    const [refused, accepted] = double.sendTimes.get(limited)!;
    expect(accepted! - refused!).toBeGreaterThanOrEqual(1_000);
    // the others did not wait for it
    expect(double.sendTimes.get(fine)![0]!).toBeLessThan(accepted!);
    // the failing one: its three tries, backing off (100 ms, then 200 ms: each wait at least that, however loaded the
    // machine; comparing the two waits with each other failed when load stretched the first), then logged failed
    const tries = double.sendTimes.get(failing)!;
    expect(tries).toHaveLength(3);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(100);
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(200);
    const deliveries = await db.sql`
      select target, status, attempts, last_error from notification_deliveries where broadcast_id = ${broadcast.id} order by target`;
    expect(deliveries.map((d) => [d.target, d.status, d.attempts])).toEqual([
      [limited, 'sent', 2],
      [failing, 'failed', 3],
      [fine, 'sent', 1],
    ]);
    expect(deliveries[1]!.lastError).toMatch(/429: Too Many Requests/);
  });
});
