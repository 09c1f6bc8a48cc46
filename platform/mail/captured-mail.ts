/** Mail captured by the dev SMTP sink. */
import type { Db } from '../db/client.js';

export interface CapturedMail {
  id: string;
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  text: string;
  receivedAt: Date;
}

export async function storeCapturedMail(db: Db, mail: Omit<CapturedMail, 'id' | 'receivedAt'>): Promise<void> {
  await db`
    insert into captured_mail (message_id, mail_from, rcpt_to, subject, text_body)
    values (${mail.messageId}, ${mail.from}, ${db.array(mail.to)}::text[], ${mail.subject}, ${mail.text})`;
}

export async function listCapturedMail(db: Db, filter: { to?: string; limit: number; before?: string }): Promise<CapturedMail[]> {
  const rows = await db`
    select * from captured_mail where true
    ${filter.to ? db`and ${filter.to.toLowerCase()} = any(rcpt_to)` : db``}
    ${filter.before ? db`and id < ${filter.before}` : db``}
    order by id desc limit ${filter.limit}`;
  return rows.map((r) => ({
    id: String(r.id),
    messageId: r.messageId,
    from: r.mailFrom,
    to: r.rcptTo,
    subject: r.subject,
    text: r.textBody,
    receivedAt: r.receivedAt,
  }));
}
