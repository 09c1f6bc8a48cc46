/** Outgoing mail over SMTP (nodemailer): withdrawal codes and notices. */
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mailer {
  send(message: { to: string; subject: string; text: string }): Promise<{ messageId: string }>;
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
