/**
 * Notifications on the real stack (API, worker, EVM listener, SMTP sink) with the outside world stood in for by a
 * Telegram Bot API and Slack webhook double: a deposit mailed and sent to a linked Telegram chat, templates refused
 * when they do not render, a failing Slack hook retried and logged as failed, and a broadcast that survives its
 * worker being killed without sending anyone the message twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Wallet, parseEther, type JsonRpcProvider, type NonceManager } from 'ethers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { raiseAlert } from '../../services/notifications/client.js';
import { notificationWorkflowId } from '../../workflows/notifications/delivery/messages.js';
import { deployUsdt, eventually, evmStackEnv, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { checkAccessibility, launchBrowser, signInToConsole } from '../support/browser.js';
import { mailTo, startStack, type Stack } from '../support/stack.js';
import { TelegramSlackDouble } from '../support/telegram-slack-double.js';

const WEBHOOK_SECRET = 'webhook-secret-for-the-notification-tests';

let provider: JsonRpcProvider;
let customer: NonceManager;
let double: TelegramSlackDouble;
let stack: Stack;

beforeAll(async () => {
  provider = testProvider(inject('evmRpcUrl'));
  customer = await fundedWallet(provider, '100');
  const gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('10'));
  double = await TelegramSlackDouble.start();
  stack = await startStack({
    mailSink: true,
    evmListener: true,
    env: {
      ...evmStackEnv({
        usdt: await deployUsdt(provider, customer),
        gasKeeperKey: gasKeeper.privateKey,
        coldWallet: Wallet.createRandom().address,
      }),
      TELEGRAM_BOT_TOKEN: double.token,
      TELEGRAM_API_URL: double.url,
      TELEGRAM_BOT_USERNAME: 'sluice_test_bot',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      NOTIFICATION_DISPATCH_INTERVAL_MS: '200',
      NOTIFICATION_MAX_ATTEMPTS: '3',
      NOTIFICATION_RETRY_INITIAL_MS: '200',
      BROADCAST_PAGE_SIZE: '10',
      BROADCAST_RATE_TELEGRAM: '15',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await double?.close();
  provider?.destroy();
});

/** Links a Telegram chat to the user as a person would: a code from the API, sent to the bot. */
async function linkTelegram(token: string, chatId: number): Promise<void> {
  const code = await stack.api.post('/v1/notifications/telegram/link', undefined, { token });
  expect(code.status).toBe(201);
  expect(code.body.link).toBe(`https://t.me/sluice_test_bot?start=${code.body.code}`);
  const answer = await double.writeToBot(`${stack.url}/v1/telegram/webhook`, WEBHOOK_SECRET, chatId, `/start ${code.body.code}`);
  expect(answer.status).toBe(200);
  expect(double.messagesTo(String(chatId)).at(-1)?.text).toMatch(/is linked to your Sluice account/);
  expect((await stack.api.get('/v1/notifications/telegram', { token })).body).toMatchObject({
    linked: true,
    username: `user${chatId}`,
  });
}

describe('notifications', () => {
  it('mails a credited deposit and sends it to the linked Telegram chat', async () => {
    const user = await stack.api.signUp('depositor@example.com');
    await linkTelegram(user.token, 5001);
    const chosen = await stack.api.put(
      '/v1/notifications/preferences',
      { preferences: [{ event_type: 'deposit_credited', channels: ['email', 'telegram'] }] },
      { token: user.token },
    );
    expect(chosen.status).toBe(200);
    expect(chosen.body.data.find((p: { event_type: string }) => p.event_type === 'deposit_credited')).toEqual({
      event_type: 'deposit_credited',
      channels: ['email', 'telegram'],
      chosen: true,
    });

    const address = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token })).body.address;
    await (await customer.sendTransaction({ to: address, value: parseEther('0.05') })).wait();

    const mail = await mailTo(stack, user.email, /^Deposit of 0\.05 ETH credited$/);
    expect(mail.text).toMatch(/Your deposit of 0\.05 ETH is credited/);
    const message = await eventually('the Telegram message', async () =>
      double.messagesTo('5001').find((m) => m.text.startsWith('*Deposit credited*')),
    );
    // the value escaped for MarkdownV2 (the double refuses a message with an unescaped '.', as Telegram does)
    expect(message).toMatchObject({ parse_mode: 'MarkdownV2' });
    expect(message.text).toContain('0\\.05 ETH is on your balance\\.');

    // a delivery is recorded as sent once its channel has answered, which can be just after the sink has the message
    const mine = await eventually('both deliveries recorded as sent', async () => {
      const log = await stack.api.get('/v1/ops/notification-deliveries?status=sent', { token: stack.admin.token });
      const rows = log.body.data.filter((d: { user_id: string }) => d.user_id === user.id);
      return rows.length >= 2 ? rows : undefined;
    });
    expect(mine.map((d: { channel: string }) => d.channel).sort()).toEqual(['email', 'telegram']);
    expect(
      mine.every((d: { event_type: string; attempts: number }) => d.event_type === 'deposit_credited' && d.attempts === 1),
    ).toBe(true);
    // sent on the first attempt, by the dispatcher itself: no delivery workflow was needed
    await expect(
      stack.temporal.workflow.getHandle(notificationWorkflowId(mine[0].notification_id)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('refuses a template that does not render, naming the placeholder, and saves and previews one that does', async () => {
    const admin = { token: stack.admin.token };
    const broken = await stack.api.put(
      '/v1/ops/notification-templates/deposit_credited/telegram',
      { body: '*Deposit* {{amount}} {{currency}} {{amont}}' },
      admin,
    );
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'body', message: 'unknown placeholder "amont" in the body' }],
    });

    const unparsable = await stack.api.put(
      '/v1/ops/notification-templates/deposit_credited/email',
      { subject: '{{title', body: 'x' },
      admin,
    );
    expect(unparsable.status).toBe(400);
    expect(unparsable.body.errors[0].path).toBe('subject');

    const preview = await stack.api.post(
      '/v1/ops/notification-templates/deposit_credited/telegram/preview',
      { body: 'Got {{amount}} {{currency}}' },
      admin,
    );
    expect(preview.status).toBe(200);
    expect(preview.body.body).toBe('Got 0\\.25 ETH');

    // every seeded template renders its sample
    const templates = (await stack.api.get('/v1/ops/notification-templates', admin)).body.data;
    expect(templates.length).toBeGreaterThanOrEqual(29);
    for (const t of templates) {
      const rendered = await stack.api.post(
        `/v1/ops/notification-templates/${t.event_type}/${t.channel}/preview`,
        undefined,
        admin,
      );
      expect(rendered.status, `${t.event_type}/${t.channel}`).toBe(200);
    }
  });

  it('retries a Slack hook answering 500 and logs it as failed, while the other route delivers', async () => {
    const admin = { token: stack.admin.token };
    for (const [hook, status] of [
      ['ops-broken', 500],
      ['ops-ok', 200],
    ] as const) {
      const route = await stack.api.post(
        '/v1/ops/alert-routes',
        { event_type: 'gas_keeper_low', channel: 'slack', target: double.slackHook(hook, status), min_severity: 'warning' },
        admin,
      );
      expect(route.status).toBe(201);
    }
    // what the gas keeper's workflow records when its wallet runs low (the call every feature makes)
    const alert = await raiseAlert(stack.db.sql, {
      eventId: 'test:gas-keeper-low:1',
      type: 'gas_keeper_low',
      severity: 'warning',
      title: 'Gas keeper on evm-31337 is below its minimum balance',
      data: {
        chain: 'evm-31337',
        address: '0x52908400098527886E0F7030069857D2E4169EE7',
        balance: '0.12',
        threshold: '0.5',
        queued: 3,
      },
    });

    const deliveries = await eventually('both deliveries final', async () => {
      const log = await stack.api.get(`/v1/ops/notification-deliveries?notification_id=${alert.id}`, admin);
      return (
        log.body.data.length === 2 &&
        log.body.data.every((d: { status: string }) => d.status === 'sent' || d.status === 'failed') &&
        log.body.data
      );
    });
    const failed = deliveries.find((d: { status: string }) => d.status === 'failed');
    expect(failed).toMatchObject({ channel: 'slack', attempts: 3, last_error: 'Slack webhook answered 500: internal_error' });
    expect(deliveries.find((d: { status: string }) => d.status === 'sent')).toMatchObject({ channel: 'slack', attempts: 1 });
    expect(double.slack.filter((p) => p.hook === 'ops-broken')).toHaveLength(3);
    const delivered = double.slack.filter((p) => p.hook === 'ops-ok');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.text).toContain('*Gas keeper on evm-31337 is below its minimum balance*');
  });

  it('lets operators edit a template in the console, refusing one that does not render', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await signInToConsole(page, stack.url, stack.admin);
      await page.goto(`${stack.url}/ops/notifications`);
      await checkAccessibility(page);
      await page.getByRole('link', { name: 'bet_settled' }).first().click();
      await checkAccessibility(page);
      expect(await page.title()).toMatch(/Template: bet_settled by (email|telegram)/);

      await page.getByLabel(/^Body/).fill('{{title}} at {{odds}}');
      await page.getByRole('button', { name: 'Save' }).click();
      expect(await page.getByRole('alert').textContent()).toContain('unknown placeholder "odds" in the body');

      await page.goBack();
      await page.getByLabel(/^Body/).fill('{{title}}: {{stake}} {{currency}} at {{coefficient}}');
      await page.getByRole('button', { name: 'Save' }).click();
      expect(await page.locator('.preview-body').textContent()).toMatch(
        /^Your bet #12 won 18\\?\.50 USDT: 10\\?\.00 USDT at 1\\?\.85$/,
      );
    } finally {
      await browser.close();
    }
  });

  it('resumes a broadcast after its worker is killed, sending nobody the message twice', async () => {
    const users: Array<{ id: string; chat: string }> = [];
    for (let i = 0; i < 60; i++) {
      const [row] = await stack.db.sql`
        insert into users (email, password_hash, role) values (${`listener-${i}@example.com`}, 'x', 'user') returning id`;
      await stack.db.sql`insert into telegram_chats (user_id, chat_id) values (${row!.id}, ${9000 + i})`;
      users.push({ id: row!.id as string, chat: String(9000 + i) });
    }
    const started = await stack.api.post(
      '/v1/ops/broadcasts',
      {
        title: 'Maintenance',
        message: 'Deposits pause on Sunday (02:00-03:00 UTC).',
        channels: ['telegram'],
        audience: { user_ids: users.map((u) => u.id) },
      },
      { token: stack.admin.token },
    );
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const received = () => double.telegram.filter((m) => m.text.startsWith('*Maintenance*'));

    await eventually('a third of the broadcast sent', async () => received().length >= 20, 60_000, 50);
    await stack.killWorker('SIGKILL');
    const atKill = received().length;
    expect(atKill).toBeLessThan(60);
    await stack.startWorker();

    const done = await eventually(
      'the broadcast completed',
      async () => {
        const b = await stack.api.get(`/v1/ops/broadcasts/${id}`, { token: stack.admin.token });
        // the row is finished by the last page's activity, its workflow's progress a task later
        return b.body.status === 'completed' && b.body.progress?.state === 'completed' && b.body;
      },
      120_000,
    );
    const perChat = new Map<string, number>();
    for (const m of received()) perChat.set(m.chat_id, (perChat.get(m.chat_id) ?? 0) + 1);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
    // a send cut off by the kill is marked uncertain and never repeated; every other user got it once
    const uncertain = (
      await stack.db
        .sql`select count(*)::int as n from notification_deliveries where broadcast_id = ${id} and status = 'uncertain'`
    )[0]!.n;
    expect(uncertain).toBeLessThanOrEqual(1);
    expect(perChat.size).toBeGreaterThanOrEqual(60 - uncertain);
    expect(done).toMatchObject({ sent: 60 - uncertain, failed: uncertain });
    expect(done.progress).toMatchObject({ state: 'completed', sent: done.sent });
    expect(received()[0]!.text).toBe('*Maintenance*\nDeposits pause on Sunday \\(02:00\\-03:00 UTC\\)\\.');
  });

  it("shows a running broadcast's progress and stops it when cancelled", async () => {
    const users = await stack.db.sql`select user_id from telegram_chats where chat_id >= 9000 order by chat_id`;
    const started = await stack.api.post(
      '/v1/ops/broadcasts',
      {
        title: 'Second notice',
        message: 'Cancelled soon.',
        channels: ['telegram'],
        audience: { user_ids: users.map((u) => u.userId) },
      },
      { token: stack.admin.token },
    );
    const id = started.body.id as string;
    const received = () => double.telegram.filter((m) => m.text.startsWith('*Second notice*')).length;
    await eventually('a few sent', async () => received() >= 5, 60_000, 50);
    const running = await stack.api.get(`/v1/ops/broadcasts/${id}`, { token: stack.admin.token });
    expect(running.body).toMatchObject({ status: 'running', progress: { state: 'running' } });

    const cancelled = await stack.api.post(`/v1/ops/broadcasts/${id}/cancel`, undefined, { token: stack.admin.token });
    expect(cancelled.status).toBe(200);
    const done = await eventually('the broadcast cancelled', async () => {
      const b = await stack.api.get(`/v1/ops/broadcasts/${id}`, { token: stack.admin.token });
      return b.body.status === 'cancelled' && b.body;
    });
    const sentAtEnd = received();
    expect(done.sent).toBe(sentAtEnd);
    expect(sentAtEnd).toBeLessThan(60);
    await sleep(1_000);
    expect(received()).toBe(sentAtEnd);
    const again = await stack.api.post(`/v1/ops/broadcasts/${id}/cancel`, undefined, { token: stack.admin.token });
    expect(again.status).toBe(409);
  });
});
