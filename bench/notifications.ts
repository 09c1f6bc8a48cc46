/**
 * Broadcast benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker processes)
 * against the Telegram Bot API double: one broadcast to every user, each with a linked chat, timed from the request to
 * the workflow's completion. The per-channel rate limit is lifted so the figure is what the pipeline sustains (pages,
 * the delivery log's claim and outcome per send, the Bot API calls); the production default paces Telegram at 25/s.
 * Prints figures; asserts nothing about time.
 *
 *   node --import tsx bench/notifications.ts      BENCH_USERS (10000), BENCH_PAGE_SIZE (500)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSql } from '../platform/db/client.js';
import { TelegramSlackDouble } from '../test/support/telegram-slack-double.js';
import { withApiStack, type ApiStack } from './support/api-stack.js';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const PAGE_SIZE = process.env.BENCH_PAGE_SIZE ?? '500';

const double = await TelegramSlackDouble.start();
try {
  await withApiStack('notifications', run, {
    TELEGRAM_BOT_TOKEN: double.token,
    TELEGRAM_API_URL: double.url,
    BROADCAST_PAGE_SIZE: PAGE_SIZE,
    BROADCAST_RATE_TELEGRAM: '10000',
  });
} finally {
  await double.close();
}

async function run(stack: ApiStack) {
  const sql = createSql(stack.databaseUrl, { max: 2, applicationName: 'bench-notifications' });
  console.log(`setting up: ${USERS} users with a linked Telegram chat…`);
  await sql`
    insert into users (email, password_hash, role)
    select 'listener-' || i || '@bench.local', 'x', 'user' from generate_series(1, ${USERS}) as i`;
  await sql`
    insert into telegram_chats (user_id, chat_id)
    select id, 100000 + row_number() over (order by id) from users where role = 'user'`;

  const started = process.hrtime.bigint();
  const response = await stack.api.post(
    '/v1/ops/broadcasts',
    { title: 'Bench', message: 'One message to everyone.', channels: ['telegram'], audience: { role: 'user' } },
    { token: stack.adminToken },
  );
  if (response.status !== 201) throw new Error(`broadcast: ${response.status} ${JSON.stringify(response.body)}`);
  const id = response.body.id as string;
  let broadcast: { status: string; sent: number; failed: number; progress: { pages: number } | null };
  for (;;) {
    broadcast = (await stack.api.get(`/v1/ops/broadcasts/${id}`, { token: stack.adminToken })).body;
    if (broadcast.status !== 'running') break;
    await sleep(100);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const chats = new Set(double.telegram.map((m) => m.chat_id));
  await sql.end();

  console.log(`\nbroadcast to ${USERS} users over Telegram (the Bot API double), pages of ${PAGE_SIZE}, rate limit lifted`);
  console.table([
    {
      users: USERS,
      'sent (log)': broadcast.sent,
      failed: broadcast.failed,
      'messages received': double.telegram.length,
      'distinct chats': chats.size,
      pages: broadcast.progress?.pages ?? '?',
      seconds: +seconds.toFixed(1),
      'sends/s': Math.round(broadcast.sent / seconds),
    },
  ]);
}
