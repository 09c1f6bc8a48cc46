/**
 * A local SMTP server for development and tests: accepts every message over real SMTP and stores it, so operators can
 * read what Sluice sent (GET /v1/ops/mail, dev mode only) without a mail provider.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Sql } from '../db/client.js';
import { storeCapturedMail } from './captured-mail.js';
import type { Logger } from '../log.js';

export async function startMailSink(
  sql: Sql,
  options: { host: string; port: number; log: Logger },
): Promise<{ close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          await storeCapturedMail(sql, {
            messageId: parsed.messageId ?? null,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          options.log.info({ to, subject: parsed.subject }, 'captured mail');
          callback();
        })
        .catch((error: Error) => {
          options.log.error({ err: error }, 'could not store captured mail');
          callback(error);
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  options.log.info({ port: options.port }, 'SMTP sink listening');
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
