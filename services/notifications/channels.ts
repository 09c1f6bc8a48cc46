/**
 * Sending one rendered message on its channel: mail through the SMTP mailer, Telegram through the Bot API, Slack
 * through an incoming webhook. A refusal that a retry cannot change comes back as a PermanentSendError.
 */
import type { Channel } from '../../domain/notifications/events.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { SlackWebhookError, postToSlack } from '../../platform/slack/incoming-webhook.js';
import { TelegramApiError, type TelegramBotApi } from '../../platform/telegram/bot-api.js';
import type { TemplateText } from './render.js';

export interface ChannelClients {
  mailer: Mailer | null;
  telegram: TelegramBotApi | null;
}

export class PermanentSendError extends Error {}

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
        await postToSlack(address, message.body);
        return;
    }
  } catch (error) {
    if ((error instanceof TelegramApiError || error instanceof SlackWebhookError) && error.permanent)
      throw new PermanentSendError(error.message);
    throw error;
  }
}
