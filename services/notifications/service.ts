/**
 * Notifications' rules behind the API: templates checked against their event's sample before they are saved (a
 * template that does not render is refused, naming the placeholder), users' channel choices, Telegram chats linked
 * by a one-time code the user sends the bot, and operators' alert routes.
 */
import { createHash, randomInt } from 'node:crypto';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import {
  DEFAULT_USER_CHANNELS,
  USER_EVENTS,
  type Channel,
  type TemplateEvent,
  type UserChannel,
  type UserEvent,
} from '../../domain/notifications/events.js';
import type { Severity } from '../../domain/notifications/routing.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TelegramBotApi, TelegramBotSettings } from '../../platform/telegram/bot-api.js';
import { endpointUrlProblem } from '../webhooks/client.js';
import { addAlertRoute, type StoredAlertRoute } from './alert-routes-store.js';
import { preferencesOf, setPreferences } from './preferences-store.js';
import { previewTemplate, TemplateError, type TemplateText } from './render.js';
import { linkChatByCode, storeLinkCode, unlinkTelegram } from './telegram-store.js';
import { saveTemplate, type StoredTemplate } from './templates-store.js';

/** The sample rendered, or a 400 naming the field and the placeholder (or the parse error). */
export function checkTemplate(eventType: TemplateEvent, channel: Channel, template: TemplateText): TemplateText {
  try {
    return previewTemplate(eventType, channel, template);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new DomainError(ErrorCode.ValidationFailed, error.message, [{ path: error.field, message: error.message }]);
  }
}

export async function updateTemplate(
  db: Db,
  t: { eventType: TemplateEvent; channel: Channel; subject: string; body: string; updatedBy: string },
): Promise<StoredTemplate> {
  if (t.channel === 'email' && t.subject.trim() === '')
    throw new DomainError(ErrorCode.ValidationFailed, 'subject: a mail template needs a subject', [
      { path: 'subject', message: 'a mail template needs a subject' },
    ]);
  checkTemplate(t.eventType, t.channel, t);
  return saveTemplate(db, t);
}

/** Every user event type with the channels the user gets it on (their choice, or the default). */
export async function channelChoices(
  db: Db,
  userId: string,
): Promise<Array<{ eventType: UserEvent; channels: UserChannel[]; chosen: boolean }>> {
  const chosen = await preferencesOf(db, userId);
  return USER_EVENTS.map((eventType) => ({
    eventType,
    channels: chosen.get(eventType) ?? DEFAULT_USER_CHANNELS[eventType],
    chosen: chosen.has(eventType),
  }));
}

export async function chooseChannels(db: Db, userId: string, choices: Array<{ eventType: UserEvent; channels: UserChannel[] }>) {
  await setPreferences(
    db,
    userId,
    choices.map((c) => ({ ...c, channels: [...new Set(c.channels)] })),
  );
  return channelChoices(db, userId);
}

const CODE_TTL_MS = 15 * 60_000;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const hashCode = (code: string) => createHash('sha256').update(code.toUpperCase()).digest('hex');

/** A one-time code the user sends the bot (`/start <code>`, or through the deep link) to link their chat. */
export async function telegramLinkCode(db: Db, userId: string, bot: Pick<TelegramBotSettings, 'username'>) {
  const code = Array.from({ length: 10 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
  const expiresAt = new Date(Date.now() + CODE_TTL_MS);
  await storeLinkCode(db, userId, hashCode(code), expiresAt);
  return { code, expiresAt, link: bot.username ? `https://t.me/${bot.username}?start=${code}` : null };
}

export const unlinkTelegramChat = unlinkTelegram;

/** What the bot receives (a webhook update, or one from getUpdates): the part we act on. */
export interface TelegramUpdate {
  update_id: number;
  message?: { chat: { id: number; type?: string }; from?: { username?: string }; text?: string };
}

/**
 * A message to the bot: `/start <code>` or the bare code links the chat; anything else gets a hint. The answer goes
 * back through the Bot API; a failed reply is logged, since the link itself is already stored.
 */
export async function handleTelegramUpdate(
  deps: { sql: Db; log: Logger; bot: TelegramBotApi },
  update: TelegramUpdate,
): Promise<'linked' | 'refused' | 'ignored'> {
  const message = update.message;
  if (!message?.text) return 'ignored';
  const chatId = String(message.chat.id);
  const code = /^(?:\/start\s+)?([A-Za-z0-9]{10})$/.exec(message.text.trim())?.[1];
  const userId = code ? await linkChatByCode(deps.sql, hashCode(code), chatId, message.from?.username ?? null) : null;
  const reply = userId
    ? 'This chat is linked to your Sluice account: notifications you choose for Telegram will arrive here.'
    : 'Send the code from your Sluice account settings to link this chat (codes expire after 15 minutes and work once).';
  await deps.bot
    .sendText(chatId, reply)
    .catch((error) => deps.log.warn({ err: error, chat: chatId }, 'could not answer on Telegram'));
  if (userId) deps.log.info({ user: userId, chat: chatId }, 'Telegram chat linked');
  return userId ? 'linked' : code ? 'refused' : 'ignored';
}

/**
 * Without a webhook (a bot that cannot be reached from Telegram: a laptop, a private network), the worker asks for
 * updates instead. The offset lives in memory: after a restart Telegram hands out again what was not confirmed, and
 * a code seen twice links once (the second answer says the code is used).
 */
export function telegramUpdatePoller(deps: { sql: Db; log: Logger; bot: TelegramBotApi }) {
  let offset: number | undefined;
  return async function pollTelegramUpdates(): Promise<number> {
    const updates = await deps.bot.getUpdates<TelegramUpdate>(offset);
    for (const update of updates) {
      await handleTelegramUpdate(deps, update);
      offset = update.update_id + 1;
    }
    return updates.length;
  };
}

/**
 * An alert route; its target must fit its channel. A Slack hook is checked as merchants' webhook URLs are (the webhooks
 * feature's rule): https, no credentials, and, in production, no private, loopback or link-local address (names are
 * checked again after resolution, at every send).
 */
export async function addRoute(
  db: Db,
  r: { eventType: string; channel: Channel; target: string; minSeverity: Severity; createdBy: string },
  options: { allowPrivateTargets: boolean; key: Buffer },
): Promise<StoredAlertRoute> {
  const refuse = (message: string) => {
    throw new DomainError(ErrorCode.ValidationFailed, `target: ${message}`, [{ path: 'target', message }]);
  };
  if (r.channel === 'slack') {
    const problem = endpointUrlProblem(r.target, options.allowPrivateTargets);
    if (problem) refuse(problem);
  } else if (r.channel === 'telegram' && !/^-?\d{1,20}$/.test(r.target)) refuse('must be a Telegram chat id');
  else if (r.channel === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.target)) refuse('must be a mail address');
  return addAlertRoute(db, options.key, r);
}
