/**
 * Linking a Telegram chat with a one-time code, through getUpdates against the Bot API double (how a bot without a
 * webhook hears users): a code links once, a wrong or used one gets a hint, confirmed updates are not seen again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/log.js';
import { TelegramBotApi } from '../../platform/telegram/bot-api.js';
import { telegramLinkCode, telegramUpdatePoller, unlinkTelegramChat } from '../../services/notifications/service.js';
import { telegramChatOf } from '../../services/notifications/telegram-store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { TelegramSlackDouble } from '../support/telegram-slack-double.js';

let db: TestDatabase;
let double: TelegramSlackDouble;
beforeAll(async () => {
  db = await createTestDatabase();
  double = await TelegramSlackDouble.start();
});
afterAll(async () => {
  await double?.close();
  await db?.drop();
});

describe('Telegram chat linking', () => {
  it('links the chat that sends a fresh code, once, and answers every message', async () => {
    const user = (await insertUser(db.sql, { email: 'tg@example.com', passwordHash: 'x', role: 'user' }))!;
    const code = await telegramLinkCode(db.sql, user.id, { username: 'sluice_bot' });
    expect(code.code).toMatch(/^[A-Z2-9]{10}$/);
    expect(code.link).toBe(`https://t.me/sluice_bot?start=${code.code}`);

    const poll = telegramUpdatePoller({
      sql: db.sql,
      log: createLogger('test', 'silent'),
      bot: new TelegramBotApi({ token: double.token, apiUrl: double.url }),
    });
    double.queueForBot(777, `/start ${code.code}`);
    double.queueForBot(778, 'hello');
    expect(await poll()).toBe(2);
    expect(await telegramChatOf(db.sql, user.id)).toMatchObject({ chatId: '777', username: 'user777' });
    expect(double.messagesTo('777').at(-1)?.text).toMatch(/is linked to your Sluice account/);
    expect(double.messagesTo('778').at(-1)?.text).toMatch(/^Send the code/);
    expect(await poll()).toBe(0); // confirmed by the offset

    // the same code again, from another chat: used, so nothing changes
    double.queueForBot(779, code.code.toLowerCase());
    expect(await poll()).toBe(1);
    expect((await telegramChatOf(db.sql, user.id))?.chatId).toBe('777');
    expect(double.messagesTo('779').at(-1)?.text).toMatch(/work once/);

    expect(await unlinkTelegramChat(db.sql, user.id)).toBe(true);
    expect(await telegramChatOf(db.sql, user.id)).toBeNull();
    expect(await unlinkTelegramChat(db.sql, user.id)).toBe(false);
  });
});
