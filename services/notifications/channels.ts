/**
 * Sending one rendered message on its channel: mail through the SMTP mailer, Telegram through the Bot API, Slack
 * through an incoming webhook, posted by the webhooks feature's safe POST (no private, loopback or link-local target
 * in production, checked after DNS resolution; bounded time; no redirects). A refusal that a retry cannot change
 * comes back as a PermanentSendError; a wait the service asked for (Telegram's retry_after) as a RetryLaterError.
 */
import type { Channel } from '../../domain/notifications/events.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { TelegramApiError, type TelegramBotApi } from '../../platform/telegram/bot-api.js';
import { postWebhook } from '../webhooks/client.js';
import type { TemplateText } from './render.js';

export interface ChannelClients {
  mailer: Mailer | null;
  telegram: TelegramBotApi | null;
  /** Whether Slack hooks may be private addresses (dev and test stacks: WEBHOOK_ALLOW_PRIVATE_TARGETS); not unless said. */
  allowPrivateTargets?: boolean;
}

export class PermanentSendError extends Error {}

/** A refusal that names how long to wait before trying again (Telegram's 429 `retry_after`). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

async function postToSlack(clients: ChannelClients, url: string, text: string): Promise<void> {
  const result = await postWebhook(
    url,
    JSON.stringify({ text, mrkdwn: true }),
    {},
    { allowPrivate: clients.allowPrivateTargets ?? false },
  );
  if (result.kind === 'refused') throw new PermanentSendError(`Slack webhook refused: ${result.error}`);
  if (result.kind === 'no_answer') throw new Error(`Slack webhook did not answer: ${result.error}`);
  if (result.status === 200) return;
  const message = `Slack webhook answered ${result.status}: ${result.excerpt.slice(0, 200)}`;
  // 4xx (a revoked hook, a bad payload) will not change with a retry; 429 and 5xx may
  if (result.status >= 400 && result.status < 500 && result.status !== 429) throw new PermanentSendError(message);
  throw new Error(message);
}

/** Sends `message` to `address` (a mail address, a Telegram chat id, a Slack webhook URL). */
export async function sendOnChannel(
  clients: ChannelClients,
  channel: Channel,
  address: string,
  message: TemplateText,
): Promise<void> {
  try {
    switch (channel) {
      case 'email':
        if (!clients.mailer) throw new PermanentSendError('no SMTP_URL is configured: cannot send mail');
        await clients.mailer.send({ to: address, subject: message.subject, html: message.body });
        return;
      case 'telegram':
        if (!clients.telegram) throw new PermanentSendError('no TELEGRAM_BOT_TOKEN is configured: cannot send to Telegram');
        await clients.telegram.sendMessage(address, message.body);
        return;
      case 'slack':
        await postToSlack(clients, address, message.body);
        return;
    }
  } catch (error) {
    if (error instanceof TelegramApiError && error.permanent) throw new PermanentSendError(error.message);
    if (error instanceof TelegramApiError && error.retryAfter !== null)
      throw new RetryLaterError(error.message, error.retryAfter * 1_000);
    throw error;
  }
}
