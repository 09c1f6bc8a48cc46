/** Outgoing mail over SMTP (nodemailer): withdrawal codes and notices, reports as attachments. */
import type { Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailAttachment {
  filename: string;
  /** The file's bytes, streamed into the message (a report's file, read from Postgres). */
  content: Readable;
  contentType?: string;
}

export interface Mailer {
  /** `text`, `html` or both (mail clients show the HTML when they can), and files attached. */
  send(message: { to: string; subject: string; text?: string; html?: string; attachments?: MailAttachment[] }): Promise<{
    messageId: string;
  }>;
  close(): void;
}

/**
 * Waits bounded by what a healthy SMTP server needs (nodemailer's defaults wait up to 2 minutes to connect and 10 of
 * silence): a send that hangs fails and is retried, not left holding the notification dispatcher that makes first
 * attempts. Parameters in SMTP_URL's query (e.g. `?socketTimeout=120000`) override these.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/**
 * Mail goes over a few kept connections (nodemailer's pool: 5, each for 100 messages), not one connection and SMTP
 * greeting per message: a burst of credited deposits is 500 notices, and a connection per message cost the worker
 * about 3 ms of CPU each against about 2 (scratch measurement against a local SMTP server). A connection the server
 * dropped fails its message, which the delivery retries. `?pool=false` in SMTP_URL turns it off.
 */
const SMTP_POOL = { pool: true };

export function createMailer(settings: { smtpUrl: string; from: string }): Mailer {
  const transport: Transporter = nodemailer.createTransport({ url: settings.smtpUrl, ...SMTP_POOL, ...SMTP_TIMEOUTS });
  return {
    async send(message) {
      const info = await transport.sendMail({ from: settings.from, ...message });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
