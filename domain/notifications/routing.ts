/**
 * Who gets a notification, on which channels: a user by the channels they chose for its event type (the defaults
 * until they choose) that they can be reached on; operators by the alert routes matching the event. Workflow-safe.
 */
import { DEFAULT_USER_CHANNELS, isUserEvent, type Channel, type TemplateEvent, type UserChannel } from './events.js';

export type Severity = 'info' | 'warning' | 'critical';
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Where a user can be reached: mail at the account's address unless it has no mailbox (the placeholder of an account
 * made from Telegram), Telegram once a chat is linked.
 */
export interface UserReach {
  email: string | null;
  telegramChatId: string | null;
}

export interface Delivery {
  channel: Channel;
  /** A mail address, a Telegram chat id, or an alert route (`route:<id>`: its Slack URL stays in its row). */
  target: string;
}

/**
 * A user's deliveries for an event: the channels they chose for its type (or the defaults), those they can be reached
 * on. Event types users do not route (order refused, say) stay in-app only.
 */
export function userDeliveries(eventType: TemplateEvent, chosen: UserChannel[] | undefined, reach: UserReach): Delivery[] {
  if (!isUserEvent(eventType)) return [];
  const channels = chosen ?? DEFAULT_USER_CHANNELS[eventType];
  const mail: Delivery[] = reach.email ? [{ channel: 'email', target: reach.email }] : [];
  const deliveries = channels.flatMap((channel): Delivery[] => {
    if (channel === 'email') return mail;
    return reach.telegramChatId ? [{ channel, target: reach.telegramChatId }] : [];
  });
  // a withdrawal's code proves the account's mailbox, a factor apart from the session that asked for the withdrawal:
  // it is always mailed, and only in addition sent where the user chose. Sent only to a Telegram chat, whoever had the
  // password could link their own chat, choose it and confirm a withdrawal without ever seeing the mailbox; with no
  // mailbox it goes nowhere.
  if (eventType === 'withdrawal_code') {
    if (mail.length === 0) return [];
    if (!deliveries.some((d) => d.channel === 'email')) return [...mail, ...deliveries];
  }
  return deliveries;
}

export interface AlertRoute {
  id: string;
  /** An alert event type, or `*` for every alert. */
  eventType: string;
  channel: Channel;
  minSeverity: Severity;
}

/** The routes an operator alert goes to: those for its kind or for every alert, at or above their minimum severity. */
export function alertDeliveries(kind: string, severity: Severity, routes: AlertRoute[]): Delivery[] {
  return routes
    .filter((r) => (r.eventType === '*' || r.eventType === kind) && SEVERITY_RANK[severity] >= SEVERITY_RANK[r.minSeverity])
    .map((r) => ({ channel: r.channel, target: `route:${r.id}` }));
}
