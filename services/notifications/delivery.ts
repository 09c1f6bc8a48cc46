/**
 * One delivery, sent at most once: claim its row, render its event with the template of its type and channel (the
 * `other` template for types without one), send, record the outcome. What a failed attempt leaves is the error on the
 * row and the row released for the next attempt; the caller (an activity retried by its workflow) decides when to
 * give up.
 */

import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { alertRouteById } from './alert-routes-store.js';
import { broadcastById } from './broadcasts-store.js';
import { PermanentSendError, sendOnChannel, type ChannelClients } from './channels.js';
import { claimDelivery, markDeliveryAttemptFailed, markDeliverySent, type DeliveryRow } from './deliveries-store.js';
import { notificationEvent, renderTemplate, type TemplateText } from './render.js';
import { notificationById } from './store.js';
import { templateFor } from './templates-store.js';

export interface DeliveryDeps extends ChannelClients {
  sql: Db;
  log: Logger;
  /** Unseals alert routes' Slack hooks (SECRET_KEY's `alert-routes` key); without it, routes cannot be sent to. */
  alertRoutesKey?: Buffer;
}

export type DeliveryOutcome = 'sent' | 'already_done' | 'interrupted';

/**
 * Sends delivery `id` once. `event` is what it renders when the event is not stored (a withdrawal code); otherwise its
 * notification or broadcast is read.
 */
export async function sendDelivery(
  deps: DeliveryDeps,
  id: string,
  options: { lastAttempt: boolean; event?: Record<string, unknown> },
): Promise<DeliveryOutcome> {
  const claim = await claimDelivery(deps.sql, id);
  if ('done' in claim) return 'already_done';
  if ('interrupted' in claim) {
    deps.log.warn(
      { delivery: id, key: claim.interrupted.key },
      'a send was interrupted mid-way: marked uncertain, not sent again',
    );
    return 'interrupted';
  }
  const delivery = claim.claimed;
  try {
    const message = await render(deps.sql, delivery, options.event ?? (await eventOf(deps.sql, delivery)));
    await sendOnChannel(deps, delivery.channel, await addressOf(deps, delivery), message);
  } catch (error) {
    const final = options.lastAttempt || error instanceof PermanentSendError;
    await markDeliveryAttemptFailed(deps.sql, id, (error as Error).message, final);
    deps.log[final ? 'error' : 'warn'](
      { delivery: id, key: delivery.key, channel: delivery.channel, attempt: delivery.attempts, err: error },
      final ? 'notification delivery failed' : 'notification delivery attempt failed; it will be retried',
    );
    throw error;
  }
  await markDeliverySent(deps.sql, id);
  return 'sent';
}

/** The event a delivery renders: its notification (body, title, severity, kind) or its broadcast (title, message). */
async function eventOf(db: Db, d: DeliveryRow): Promise<Record<string, unknown>> {
  if (d.broadcastId) {
    const b = (await broadcastById(db, d.broadcastId))!;
    return { kind: 'broadcast', severity: 'info', title: b.title, message: b.message };
  }
  return notificationEvent((await notificationById(db, d.notificationId!))!);
}

async function render(db: Db, d: DeliveryRow, event: Record<string, unknown>): Promise<TemplateText> {
  const template = (await templateFor(db, d.eventType, d.channel)) ?? (await templateFor(db, 'other', d.channel));
  if (!template) throw new PermanentSendError(`no ${d.channel} template for ${d.eventType} and no "other" one`);
  try {
    return renderTemplate(template, d.channel, event);
  } catch (error) {
    // saved templates render their samples; an event that lacks what its sample has is a bug of its producer
    throw new PermanentSendError(
      `the ${d.eventType} ${d.channel} template does not render this event: ${(error as Error).message}`,
    );
  }
}

/** Alert routes keep their Slack URL (a secret) sealed in their row; the delivery names the route. */
async function addressOf(deps: DeliveryDeps, d: DeliveryRow): Promise<string> {
  if (!d.target.startsWith('route:')) return d.target;
  if (!deps.alertRoutesKey) throw new PermanentSendError('this process cannot unseal alert routes');
  const route = await alertRouteById(deps.sql, d.target.slice('route:'.length), deps.alertRoutesKey);
  if (!route) throw new PermanentSendError(`alert route ${d.target} was deleted`);
  return route.address;
}
