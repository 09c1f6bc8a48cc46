/**
 * The dispatcher: routes notifications recorded since it last ran (the notifications table is the outbox; features
 * record them in their own transactions). For each it creates the deliveries its recipient's routing asks for and
 * starts the delivery workflow `notification:<id>`, then marks it dispatched. A crash in between repeats the work
 * harmlessly: deliveries are keyed, and a start joins (or is refused by) the workflow already there.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { eventTypeOf } from '../../domain/notifications/events.js';
import { alertDeliveries, userDeliveries, type Severity } from '../../domain/notifications/routing.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  notificationSearchAttributes,
  notificationDeliveryWorkflowType,
  notificationWorkflowId,
  type DeliveryRetry,
  type NotificationDeliveryWorkflow,
} from '../../workflows/notifications/delivery/messages.js';
import { listAlertRoutes } from './alert-routes-store.js';
import { insertDeliveries, type NewDelivery } from './deliveries-store.js';
import { preferencesOfUsers, reachOfUsers } from './preferences-store.js';

export interface DispatchDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
  retry: DeliveryRetry;
}

const BATCH = 500;
const STARTS_AT_ONCE = 32;

/** Dispatches everything waiting; returns how many notifications it routed. */
export async function dispatchNotifications(deps: DispatchDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const routed = await dispatchBatch(deps);
    total += routed;
    if (routed < BATCH) return total;
  }
}

async function dispatchBatch(deps: DispatchDeps): Promise<number> {
  const { sql } = deps;
  const rows = await sql`
    select id, user_id, kind, severity from notifications where dispatched_at is null order by id limit ${BATCH}`;
  if (rows.length === 0) return 0;
  const userIds = [...new Set(rows.flatMap((r) => (r.userId ? [r.userId as string] : [])))];
  const [reach, preferences, routes] = await Promise.all([
    reachOfUsers(sql, userIds),
    preferencesOfUsers(sql, userIds),
    listAlertRoutes(sql),
  ]);
  const deliveries = rows.flatMap((r): NewDelivery[] => {
    const id = String(r.id);
    const eventType = eventTypeOf(r.kind as string);
    const userId = (r.userId as string | null) ?? null;
    const userReach = userId ? reach.get(userId) : undefined;
    const routed = userId
      ? userReach
        ? userDeliveries(eventType, preferences.get(`${userId}:${eventType}`), userReach)
        : []
      : alertDeliveries(r.kind as string, r.severity as Severity, routes);
    return routed.map((d) => ({
      key: `notification:${id}:${d.channel}:${d.target}`,
      notificationId: id,
      broadcastId: null,
      userId,
      eventType,
      channel: d.channel,
      target: d.target,
    }));
  });
  await insertDeliveries(sql, deliveries);
  const toStart = [...new Set(deliveries.map((d) => d.notificationId!))];
  for (let i = 0; i < toStart.length; i += STARTS_AT_ONCE)
    await Promise.all(toStart.slice(i, i + STARTS_AT_ONCE).map((id) => startDelivery(deps, id)));
  await sql`update notifications set dispatched_at = now() where id = any(${sql.array(rows.map((r) => String(r.id)))}::bigint[])`;
  if (toStart.length > 0) deps.log.debug({ notifications: rows.length, delivering: toStart.length }, 'notifications dispatched');
  return rows.length;
}

async function startDelivery(deps: DispatchDeps, notificationId: string): Promise<void> {
  try {
    await deps.temporal.client.workflow.start<NotificationDeliveryWorkflow>(notificationDeliveryWorkflowType, {
      taskQueue: deps.temporal.taskQueue,
      workflowId: notificationWorkflowId(notificationId),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      args: [{ notificationId, retry: deps.retry }],
      typedSearchAttributes: notificationSearchAttributes,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
