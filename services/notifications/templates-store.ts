/** Notification templates, one per event type and channel. */
import type { Channel, TemplateEvent } from '../../domain/notifications/events.js';
import type { Db } from '../../platform/db/client.js';

export interface StoredTemplate {
  eventType: TemplateEvent;
  channel: Channel;
  subject: string;
  body: string;
  updatedBy: string | null;
  updatedAt: Date;
}

const toTemplate = (r: Record<string, unknown>): StoredTemplate => ({
  eventType: r.eventType as TemplateEvent,
  channel: r.channel as Channel,
  subject: r.subject as string,
  body: r.body as string,
  updatedBy: (r.updatedBy as string | null) ?? null,
  updatedAt: r.updatedAt as Date,
});

export async function listTemplates(db: Db): Promise<StoredTemplate[]> {
  return (await db`select * from notification_templates order by event_type, channel`).map(toTemplate);
}

export async function templateFor(db: Db, eventType: string, channel: Channel): Promise<StoredTemplate | null> {
  const [row] = await db`select * from notification_templates where event_type = ${eventType} and channel = ${channel}`;
  return row ? toTemplate(row) : null;
}

export async function saveTemplate(
  db: Db,
  t: { eventType: TemplateEvent; channel: Channel; subject: string; body: string; updatedBy: string },
): Promise<StoredTemplate> {
  const [row] = await db`
    insert into notification_templates (event_type, channel, subject, body, updated_by)
    values (${t.eventType}, ${t.channel}, ${t.subject}, ${t.body}, ${t.updatedBy})
    on conflict (event_type, channel) do update
      set subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by, updated_at = now()
    returning *`;
  return toTemplate(row!);
}
