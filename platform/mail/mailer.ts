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

export function createMailer(settings: { smtpUrl: string; from: string }): Mailer {
  const transport: Transporter = nodemailer.createTransport(settings.smtpUrl);
  return {
    async send(message) {
      const info = await transport.sendMail({ from: settings.from, ...message });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
