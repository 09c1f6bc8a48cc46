/**
 * The dispatcher: routes the notifications queued since it last ran (features record them in their own transactions,
 * each one queued in `notifications_outbox` by the same statement). For each it creates the deliveries its recipient's
 * routing asks for and makes each one's first attempt itself, as webhooks' first attempts are made (a notice that goes
 * out costs the Temporal server nothing: a burst of deposits is not paced by workflow starts); only a notification with
 * a delivery to retry gets its delivery workflow `notification:<id>`, which retries what is still open. Then it takes
 * them off the queue. A crash in between repeats the work harmlessly: deliveries are keyed, a send is claimed in the
 * delivery log (one interrupted mid-send is marked uncertain by the next claim, never sent twice), and a start joins
 * (or is refused by) the workflow already there.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { eventTypeOf } from '../../domain/notifications/events.js';
import { alertDeliveries, userDeliveries, type Severity } from '../../domain/notifications/routing.js';
import type { Sql } from '../../platform/db/client.js';
import { eachLimited } from '../../platform/each-limited.js';
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
import { PermanentSendError } from './channels.js';
import { insertDeliveries, openDeliveriesByKey, type NewDelivery } from './deliveries-store.js';
import { sendDelivery, type DeliveryDeps } from './delivery.js';
import { preferencesOfUsers, reachOfUsers } from './preferences-store.js';

export interface DispatchDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
  retry: DeliveryRetry;
  /** The channels' clients, for the first attempts. */
  delivery: DeliveryDeps;
}

const BATCH = 500;
const STARTS_AT_ONCE = 32;
/** First attempts in flight at once: they wait on mail servers and chat APIs, not on this process's CPU. */
const SENDS_AT_ONCE = 32;

/**
 * Dispatches everything waiting; returns how many notifications it routed. One process at a time (the lock dies with
 * its connection): every worker process runs the dispatcher, and two reading the same queue met each other's sends in
 * flight, which the second took for a crash's and marked uncertain, never to be retried.
 */
export async function dispatchNotifications(deps: DispatchDeps): Promise<number> {
  return deps.sql.begin(async (tx) => {
    const [lock] = await tx`select pg_try_advisory_xact_lock(hashtextextended('sluice:notifications-dispatch', 0)) as held`;
    if (!lock!.held) return 0; // another process is dispatching: it routes what is waiting
    let total = 0;
    for (;;) {
      const routed = await dispatchBatch(deps);
      total += routed;
      if (routed < BATCH) return total;
    }
  }) as Promise<number>;
}

async function dispatchBatch(deps: DispatchDeps): Promise<number> {
  const { sql } = deps;
  const queued = await sql`
    select o.notification_id as id, n.user_id, n.kind, n.severity
    from notifications_outbox o left join notifications n on n.id = o.notification_id
    order by o.notification_id limit ${BATCH}`;
  if (queued.length === 0) return 0;
  const rows = queued.filter((r) => r.kind !== null); // the rest went with their users: nothing to route
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
  const toStart = await firstAttempts(deps, deliveries);
  const started = await eachLimited(toStart, STARTS_AT_ONCE, (id) => startDelivery(deps, id));
  if (started.failure) throw started.failure; // not marked dispatched: the next run starts what is missing
  await sql`delete from notifications_outbox where notification_id = any(${sql.array(queued.map((r) => String(r.id)))}::bigint[])`;
  if (toStart.length > 0) deps.log.debug({ notifications: rows.length, delivering: toStart.length }, 'notifications dispatched');
  return queued.length;
}

/** Sends each open delivery once; answers the notifications left with a delivery to retry. */
async function firstAttempts(deps: DispatchDeps, deliveries: NewDelivery[]): Promise<string[]> {
  const open = await openDeliveriesByKey(
    deps.sql,
    deliveries.map((d) => d.key),
  );
  const retrying = new Set<string>();
  await eachLimited(open, SENDS_AT_ONCE, async (delivery) => {
    try {
      await sendDelivery(deps.delivery, delivery.id, { lastAttempt: deps.retry.maximumAttempts <= 1 });
    } catch (error) {
      // the send logged it on the row; a refusal for good (or the last attempt) is final there, the rest is retried
      if (!(error instanceof PermanentSendError) && deps.retry.maximumAttempts > 1) retrying.add(delivery.notificationId!);
    }
  });
  return [...retrying];
}

async function startDelivery(deps: DispatchDeps, notificationId: string): Promise<void> {
  try {
    await deps.temporal.client.workflow.start<NotificationDeliveryWorkflow>(notificationDeliveryWorkflowType, {
      taskQueue: deps.temporal.taskQueue,
      workflowId: notificationWorkflowId(notificationId),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      // the first attempt was made: the workflow makes the others, the first of them after the policy's first interval
      args: [{ notificationId, retry: { ...deps.retry, maximumAttempts: deps.retry.maximumAttempts - 1 } }],
      startDelay: deps.retry.initialIntervalMs,
      typedSearchAttributes: notificationSearchAttributes,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
