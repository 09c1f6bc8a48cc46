/**
 * The one way into notifications, for every feature: tell a user something (`notifyUser`), raise an operator alert
 * (`raiseAlert`), and start, watch or cancel a broadcast. A notification is recorded in the caller's database handle,
 * so inside the caller's transaction it commits (and is delivered) only if the caller's change does; the event id is
 * its idempotency key, so recording it again (a retried activity, a replayed workflow) delivers nothing twice.
 * The worker routes it to the recipient's channels (email, Telegram, Slack) and delivers it durably.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { recordedKind, type AlertEvent, type UserEvent } from '../../domain/notifications/events.js';
import type { Severity } from '../../domain/notifications/routing.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db, Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { storeThenStart, startMissed, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  broadcastProgressQuery,
  broadcastSearchAttributes,
  broadcastWorkflowId,
  broadcastWorkflowType,
  cancelBroadcastUpdate,
  type BroadcastInput,
  type BroadcastProgress,
  type BroadcastWorkflow,
} from '../../workflows/notifications/broadcast/messages.js';
import { insertBroadcast, unstartedBroadcasts, type Audience, type Broadcast } from './broadcasts-store.js';
import { notify, notifyMany, type NewNotification, type Notification } from './store.js';
import { userDeliveries } from '../../domain/notifications/routing.js';
import { deliveryIdsByKey, insertDeliveries } from './deliveries-store.js';
import { sendDelivery, type DeliveryDeps } from './delivery.js';
import { preferencesOfUsers, reachOfUsers } from './preferences-store.js';
import { extended } from '../../domain/objects.js';

export { dispatchNotifications } from './dispatcher.js';
export { notificationsFor } from './store.js';
/** What the console reads and does, the same calls as the API's routes. */
export { listTemplates, templateFor } from './templates-store.js';
export { updateTemplate, checkTemplate, telegramUpdatePoller } from './service.js';
export type { TemplateText } from './render.js';
export { listDeliveries } from './deliveries-store.js';
export { listBroadcasts, broadcastById } from './broadcasts-store.js';
export { sealSlackRoutes } from './alert-routes-store.js';
export type { DeliveryDeps } from './delivery.js';

/** A user's notice: `eventId` names the event once; `data` is what its templates render. */
export interface UserNotice {
  eventId: string;
  userId: string;
  /** How it routes and renders; `kind` is what it is recorded as when finer (a withdrawal's `withdrawal_succeeded`). */
  type: UserEvent;
  kind?: string;
  title: string;
  data: Record<string, unknown>;
  severity?: Severity;
}

const userNotification = (n: UserNotice): NewNotification => ({
  key: n.eventId,
  userId: n.userId,
  kind: recordedKind(n.type, n.kind),
  title: n.title,
  body: n.data,
  severity: n.severity,
});

/**
 * Tells a user about an event (`deposit:<id>:credited`); `data` has the fields of the event's sample in
 * domain/notifications/events.ts, as strings.
 */
export function notifyUser(db: Db, notice: UserNotice): Promise<Notification> {
  return notify(db, userNotification(notice));
}

/** `notifyUser` for many events in one statement (a settlement batch's filled orders). */
export function notifyUsers(db: Db, notices: UserNotice[]): Promise<void> {
  return notifyMany(db, notices.map(userNotification));
}

/**
 * Raises an operator alert, routed to Slack or Telegram by the alert routes operators set (and listed at
 * /v1/ops/alerts). An alert with no event type of its own is an `other` one, recorded under its `kind`.
 */
export function raiseAlert(
  db: Db,
  alert: {
    eventId: string;
    type: AlertEvent | 'other';
    kind?: string;
    severity: Severity;
    title: string;
    data: Record<string, unknown>;
  },
): Promise<Notification> {
  return notify(db, {
    key: alert.eventId,
    userId: null,
    kind: recordedKind(alert.type, alert.kind),
    title: alert.title,
    body: alert.data,
    severity: alert.severity,
  });
}

export type BroadcastSettings = Pick<BroadcastInput, 'pageSize' | 'ratePerSecond'>;

/**
 * Sends an event that must not be stored, such as a withdrawal code, to the channels the user chose for its type, now,
 * each channel once per `eventId` (the delivery log keeps the send, not the event). Throws when a send fails, so the
 * caller's activity is retried; a channel already sent is not sent again.
 */
export async function deliverUnstoredNow(
  deps: DeliveryDeps,
  event: { eventId: string; userId: string; type: UserEvent; title: string; data: Record<string, unknown> },
): Promise<void> {
  const [reach, preferences] = await Promise.all([
    reachOfUsers(deps.sql, [event.userId]),
    preferencesOfUsers(deps.sql, [event.userId]),
  ]);
  const routed = userDeliveries(event.type, preferences.get(`${event.userId}:${event.type}`), reach.get(event.userId)!);
  const rows = routed.map((d) => ({
    key: `${event.eventId}:${d.channel}`,
    notificationId: null,
    broadcastId: null,
    userId: event.userId,
    eventType: event.type,
    channel: d.channel,
    target: d.target,
  }));
  await insertDeliveries(deps.sql, rows);
  const ids = await deliveryIdsByKey(
    deps.sql,
    rows.map((r) => r.key),
  );
  const values = extended(event.data, { kind: event.type, title: event.title, severity: 'info' });
  await Promise.all(ids.map((id) => sendDelivery(deps, id, { lastAttempt: false, event: values })));
}

export interface BroadcastDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
  settings: BroadcastSettings;
}

function broadcastOutbox(deps: BroadcastDeps): WorkflowOutbox<Broadcast> {
  return {
    kind: 'broadcast',
    idOf: (b) => b.id,
    async start(b) {
      await deps.temporal.client.workflow.start<BroadcastWorkflow>(broadcastWorkflowType, {
        taskQueue: deps.temporal.taskQueue,
        workflowId: broadcastWorkflowId(b.id),
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [{ broadcastId: b.id, ...deps.settings }],
        typedSearchAttributes: broadcastSearchAttributes,
      });
    },
    markStarted: (b) => markWorkflowStarted(deps.sql, 'broadcasts', b.id),
    unstarted: (graceSeconds) => unstartedBroadcasts(deps.sql, graceSeconds),
  };
}

/** Stores the broadcast, then starts its workflow (the worker's sweep starts it should this process fail to). */
export async function startBroadcast(
  deps: BroadcastDeps,
  b: { title: string; message: string; channels: Broadcast['channels']; audience: Audience; createdBy: string },
): Promise<Broadcast> {
  return (await storeThenStart(broadcastOutbox(deps), () => insertBroadcast(deps.sql, b), deps.log))!;
}

/** The worker's sweep: starts the broadcasts whose workflow the API did not start. */
export function startUnstartedBroadcasts(deps: BroadcastDeps, graceSeconds: number): Promise<number> {
  return startMissed(broadcastOutbox(deps), graceSeconds, deps.log);
}

export function broadcastProgress(temporal: Pick<TemporalTarget, 'client'>, id: string): Promise<BroadcastProgress> {
  return temporal.client.workflow.getHandle(broadcastWorkflowId(id)).query(broadcastProgressQuery);
}

/** Cancels a running broadcast; one that has ended is a conflict (the caller checks that the broadcast exists). */
export async function cancelBroadcast(
  temporal: Pick<TemporalTarget, 'client'>,
  id: string,
  by: string,
): Promise<BroadcastProgress> {
  try {
    return await temporal.client.workflow
      .getHandle(broadcastWorkflowId(id))
      .executeUpdate(cancelBroadcastUpdate, { args: [{ by }] });
  } catch (error) {
    // the server answers an update to a closed workflow as if it did not exist
    if (error instanceof WorkflowNotFoundError) throw new DomainError(ErrorCode.Conflict, 'the broadcast is not running');
    if (error instanceof WorkflowUpdateFailedError) throw new DomainError(ErrorCode.Conflict, error.cause?.message ?? 'refused');
    if (error instanceof Error && /workflow execution already completed/i.test(error.message))
      throw new DomainError(ErrorCode.Conflict, 'the broadcast has already ended');
    throw error;
  }
}
