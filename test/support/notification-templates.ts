/**
 * What a recorded notification must be for its templates: a body with exactly the fields of its type's sample
 * (domain/notifications/events.ts), the event operators write and preview templates against, which each default
 * template of its type (a fresh database's, as the migrations leave them) renders with no placeholder left blank.
 */
import Handlebars from 'handlebars';
import { expect } from 'vitest';
import { eventTypeOf, SAMPLE_EVENTS, type TemplateEvent } from '../../domain/notifications/events.js';
import type { Db } from '../../platform/db/client.js';
import { notificationEvent, renderTemplate } from '../../services/notifications/render.js';
import type { Notification } from '../../services/notifications/store.js';
import { listTemplates } from '../../services/notifications/templates-store.js';

/** The fields a notification of `type` records: its sample's, less the `title` and `severity` every record has. */
export function sampleFields(type: TemplateEvent): string[] {
  return Object.keys(SAMPLE_EVENTS[type])
    .filter((field) => field !== 'title' && field !== 'severity')
    .sort();
}

/** The placeholders a template shows whatever the event holds: those outside `#if` and the other blocks. */
function unconditionalPlaceholders(source: string): string[] {
  return Handlebars.parse(source)
    .body.filter((node): node is hbs.AST.MustacheStatement => node.type === 'MustacheStatement')
    .map((node) => (node.path as hbs.AST.PathExpression).parts[0]!);
}

/** Each default template of `type` rendered with `event`, or the placeholders it would show blank. */
export async function renderDefaultTemplates(db: Db, type: TemplateEvent, event: Record<string, unknown>) {
  const templates = (await listTemplates(db)).filter((t) => t.eventType === type);
  return templates.map((t) => ({
    channel: t.channel,
    rendered: renderTemplate(t, t.channel, event),
    blank: [t.subject, t.body].flatMap(unconditionalPlaceholders).filter((name) => event[name] == null || event[name] === ''),
  }));
}

/** Checks what the code recorded against its type's sample and renders it with the type's default templates. */
export async function expectRendersItsTemplates(db: Db, notification: Notification): Promise<void> {
  const type = eventTypeOf(notification.kind);
  expect(Object.keys(notification.body).sort(), `the fields of a recorded ${notification.kind}`).toEqual(sampleFields(type));
  const rendered = await renderDefaultTemplates(db, type, notificationEvent(notification));
  expect(rendered.length, `default templates of ${type}`).toBeGreaterThan(0);
  for (const { channel, blank } of rendered) expect(blank, `${type}'s ${channel} template shows blank`).toEqual([]);
}
