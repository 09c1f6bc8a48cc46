/**
 * A user's notification channels: which channels each event type goes to, and the Telegram chat linked to the account
 * (a one-time code sent to the bot). Telegram's webhook delivers the messages users send the bot.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../../domain/errors.js';
import { isSecurityUserEvent, USER_CHANNELS, USER_EVENTS } from '../../domain/notifications/events.js';
import { TelegramBotApi } from '../../platform/telegram/bot-api.js';
import {
  channelChoices,
  chooseChannels,
  handleTelegramUpdate,
  telegramLinkCode,
  unlinkTelegramChat,
} from '../../services/notifications/service.js';
import { telegramChatOf } from '../../services/notifications/telegram-store.js';
import { refuseApiKey, type Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError, found } from '../http/problem.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const Choice = z.object({
  event_type: z.enum(USER_EVENTS),
  channels: z.array(z.enum(USER_CHANNELS)).max(USER_CHANNELS.length),
});
const Choices = z
  .object({ data: z.array(Choice.extend({ chosen: z.boolean().openapi({ description: 'false: the default applies' }) })) })
  .openapi('NotificationPreferences');
const TelegramLink = z.object({ linked: z.boolean(), username: z.string().nullable(), linked_at: z.string().nullable() });

export function notificationChannelRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const view = (choices: Awaited<ReturnType<typeof channelChoices>>) => ({
    data: choices.map((c) => ({ event_type: c.eventType, channels: c.channels, chosen: c.chosen })),
  });
  const bot = () => {
    const settings = deps.settings.notifications.telegram;
    if (!settings) throw new ApiError(ErrorCode.Unavailable, 'no Telegram bot is configured (TELEGRAM_BOT_TOKEN)');
    return settings;
  };

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/notifications/preferences',
      tags: ['notifications'],
      summary: 'The channels each event type reaches the caller on',
      responses: { 200: jsonResponse('Channels per event type', Choices), ...problems(401) },
    }),
    async (c) => c.json(view(await channelChoices(deps.sql, c.get('user').id)), 200),
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'put',
      path: '/v1/notifications/preferences',
      tags: ['notifications'],
      summary:
        'Choose the channels of some event types (an empty list: in-app only); the security ones (withdrawal_code, login_new_ip, login_locked) need a bearer token',
      request: jsonBody(
        z.object({
          preferences: z
            .array(Choice)
            .min(1)
            .max(USER_EVENTS.length)
            .refine((choices) => new Set(choices.map((c) => c.event_type)).size === choices.length, 'names an event type twice'),
        }),
      ),
      responses: { 200: jsonResponse('Channels per event type', Choices), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const { preferences } = c.req.valid('json');
      preferences.forEach((p, i) => {
        if (isSecurityUserEvent(p.event_type))
          refuseApiKey(c.get('user'), `preferences.${i}.event_type`, `routing ${p.event_type} notices`);
      });
      const choices = preferences.map((p) => ({ eventType: p.event_type, channels: p.channels }));
      return c.json(view(await chooseChannels(deps.sql, c.get('user').id, choices)), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/notifications/telegram/link',
      tags: ['notifications'],
      summary: 'A one-time code to send the bot (/start <code>) to link a Telegram chat',
      responses: {
        201: jsonResponse(
          'The code, valid 15 minutes',
          z.object({
            code: z.string(),
            expires_at: z.string(),
            link: z.string().nullable().openapi({ description: 'https://t.me/<bot>?start=<code>' }),
          }),
        ),
        ...problems(401, 503),
      },
    }),
    async (c) => {
      const code = await telegramLinkCode(deps.sql, c.get('user').id, bot());
      return c.json({ code: code.code, expires_at: code.expiresAt.toISOString(), link: code.link }, 201);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/notifications/telegram',
      tags: ['notifications'],
      summary: 'The Telegram chat linked to the account',
      responses: { 200: jsonResponse('The link', TelegramLink), ...problems(401) },
    }),
    async (c) => {
      const chat = await telegramChatOf(deps.sql, c.get('user').id);
      return c.json(
        { linked: chat !== null, username: chat?.username ?? null, linked_at: chat?.linkedAt.toISOString() ?? null },
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'delete',
      path: '/v1/notifications/telegram',
      tags: ['notifications'],
      summary: 'Unlink the Telegram chat',
      responses: { 204: { description: 'Unlinked' }, ...problems(401, 404) },
    }),
    async (c) => {
      found(await unlinkTelegramChat(deps.sql, c.get('user').id), 'no Telegram chat is linked');
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/telegram/webhook',
      tags: ['notifications'],
      summary: "Telegram's webhook: messages users send the bot (set with setWebhook and TELEGRAM_WEBHOOK_SECRET)",
      request: {
        headers: z.object({ 'x-telegram-bot-api-secret-token': z.string().max(256).optional() }),
        ...jsonBody(
          z
            .object({
              update_id: z.number().int(),
              message: z
                .object({
                  chat: z.object({ id: z.number().int(), type: z.string().max(32).optional() }),
                  from: z.object({ username: z.string().max(64).optional() }).optional(),
                  text: z.string().max(4096).optional(),
                })
                .optional(),
            })
            .passthrough(),
        ),
      },
      responses: { 200: jsonResponse('Taken', z.object({ ok: z.boolean() })), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const settings = deps.settings.notifications.telegram;
      if (!settings?.webhookSecret) throw new ApiError(ErrorCode.NotFound, 'the Telegram webhook is not configured');
      const given = Buffer.from(c.req.valid('header')['x-telegram-bot-api-secret-token'] ?? '');
      const expected = Buffer.from(settings.webhookSecret);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new ApiError(ErrorCode.Unauthenticated, 'the secret token does not match');
      await handleTelegramUpdate({ sql: deps.sql, log: deps.log, bot: new TelegramBotApi(settings) }, c.req.valid('json'));
      return c.json({ ok: true }, 200);
    },
  );
}
