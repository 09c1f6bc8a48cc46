/** Deliveries and their attempts: what a delivery's workflow reads and records, and what merchants and operators list. */
import type { AttemptOutcome, DeliveryStatus, FailureReason } from '../../domain/webhooks/delivery.js';
import type { WebhookEventType } from '../../domain/webhooks/events.js';
import type { Db } from '../../platform/db/client.js';
import { DELIVERIES_CHANNEL } from './events-store.js';

export interface Delivery {
  id: string;
  position: string;
  eventId: string;
  eventType: WebhookEventType;
  endpointId: string;
  merchantId: string;
  sequence: number;
  redeliveryOf: string | null;
  status: DeliveryStatus;
  failureReason: FailureReason | null;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
}

export interface Attempt {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  outcome: AttemptOutcome;
}

const toDelivery = (r: Record<string, unknown>): Delivery => ({
  id: r.id as string,
  position: String(r.position),
  eventId: r.eventId as string,
  eventType: r.eventType as WebhookEventType,
  endpointId: r.endpointId as string,
  merchantId: r.merchantId as string,
  sequence: r.sequence as number,
  redeliveryOf: (r.redeliveryOf as string | null) ?? null,
  status: r.status as DeliveryStatus,
  failureReason: (r.failureReason as FailureReason | null) ?? null,
  attempts: r.attempts as number,
  lastStatusCode: (r.lastStatusCode as number | null) ?? null,
  lastError: (r.lastError as string | null) ?? null,
  nextAttemptAt: (r.nextAttemptAt as Date | null) ?? null,
  deliveredAt: (r.deliveredAt as Date | null) ?? null,
  failedAt: (r.failedAt as Date | null) ?? null,
  createdAt: r.createdAt as Date,
});

const withType = (db: Db) => db`
  select d.*, ev.type as event_type from webhook_deliveries d join webhook_events ev on ev.id = d.event_id`;

export async function deliveryById(db: Db, id: string): Promise<Delivery | null> {
  const [row] = await db`${withType(db)} where d.id = ${id}`;
  return row ? toDelivery(row) : null;
}

/** A page of deliveries, newest first; a merchant's own when `merchantId` is given. */
export async function listDeliveries(
  db: Db,
  filter: {
    merchantId?: string;
    status?: DeliveryStatus;
    endpointId?: string;
    eventId?: string;
    before?: string;
    limit: number;
  },
): Promise<Delivery[]> {
  const rows = await db`
    ${withType(db)} where true
    ${filter.merchantId ? db`and d.merchant_id = ${filter.merchantId}` : db``}
    ${filter.status ? db`and d.status = ${filter.status}` : db``}
    ${filter.endpointId ? db`and d.endpoint_id = ${filter.endpointId}` : db``}
    ${filter.eventId ? db`and d.event_id = ${filter.eventId}` : db``}
    ${filter.before ? db`and d.position < ${filter.before}` : db``}
    order by d.position desc limit ${filter.limit}`;
  return rows.map(toDelivery);
}

export async function attemptsOf(db: Db, deliveryId: string): Promise<Attempt[]> {
  const rows = await db`select * from webhook_attempts where delivery_id = ${deliveryId} order by attempt`;
  return rows.map((r) => ({
    attempt: r.attempt as number,
    startedAt: r.startedAt as Date,
    latencyMs: r.latencyMs as number,
    statusCode: (r.statusCode as number | null) ?? null,
    error: (r.error as string | null) ?? null,
    responseExcerpt: (r.responseExcerpt as string | null) ?? null,
    outcome: r.outcome as AttemptOutcome,
  }));
}

export async function eventBodyOf(db: Db, eventId: string): Promise<string | null> {
  const [row] = await db`select body from webhook_events where id = ${eventId}`;
  return (row?.body as string | undefined) ?? null;
}

/** What an attempt needs: the delivery's state, the event's body, and where and with what it is signed. */
export interface DeliveryTarget {
  status: DeliveryStatus;
  eventId: string;
  body: string;
  url: string;
  endpointUsable: boolean;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
}

export async function deliveryTarget(db: Db, deliveryId: string): Promise<DeliveryTarget | null> {
  const [row] = await db`
    select d.status, d.event_id, ev.body, e.url, e.enabled and e.deleted_at is null as endpoint_usable,
           e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at
    from webhook_deliveries d
    join webhook_events ev on ev.id = d.event_id
    join webhook_endpoints e on e.id = d.endpoint_id
    where d.id = ${deliveryId}`;
  return row
    ? {
        status: row.status as DeliveryStatus,
        eventId: row.eventId as string,
        body: row.body as string,
        url: row.url as string,
        endpointUsable: row.endpointUsable as boolean,
        secretSealed: row.secretSealed as string,
        previousSecretSealed: (row.previousSecretSealed as string | null) ?? null,
        previousSecretExpiresAt: (row.previousSecretExpiresAt as Date | null) ?? null,
      }
    : null;
}

export async function recordedAttempt(db: Db, deliveryId: string, attempt: number): Promise<Attempt | null> {
  return (await attemptsOf(db, deliveryId)).find((a) => a.attempt === attempt) ?? null;
}

/**
 * Records an attempt and where it leaves the delivery, together: delivered, failed, or pending with the time of its
 * next attempt. Recording the same attempt again changes nothing (the activity ran twice).
 */
export async function recordAttempt(
  db: Db,
  deliveryId: string,
  attempt: Attempt,
  result: { status: DeliveryStatus; nextAttemptAt: Date | null; failureReason?: FailureReason },
): Promise<boolean> {
  const [inserted] = await db`
    insert into webhook_attempts (delivery_id, attempt, started_at, latency_ms, status_code, error, response_excerpt, outcome)
    values (${deliveryId}, ${attempt.attempt}, ${attempt.startedAt}, ${attempt.latencyMs}, ${attempt.statusCode},
            ${attempt.error}, ${attempt.responseExcerpt}, ${attempt.outcome})
    on conflict (delivery_id, attempt) do nothing returning id`;
  if (!inserted) return false;
  const [delivery] = await db`
    update webhook_deliveries set
      status = ${result.status},
      attempts = ${attempt.attempt},
      last_status_code = ${attempt.statusCode},
      last_error = ${attempt.error},
      next_attempt_at = ${result.nextAttemptAt},
      delivered_at = ${result.status === 'delivered' ? attempt.startedAt : null},
      failed_at = ${result.status === 'failed' ? new Date() : null},
      failure_reason = ${result.failureReason ?? null}
    where id = ${deliveryId}
    returning ordered_by`;
  // the next delivery of its subject waited for this one to end: the worker takes it at commit
  if (result.status !== 'pending' && delivery?.orderedBy != null) await notifyNextInTurn(db);
  return true;
}

const notifyNextInTurn = (db: Db) => db`select pg_notify(${DELIVERIES_CHANNEL}, '')`;

/**
 * The endpoint was turned off or deleted: its pending deliveries are not sent, marked `failed` (`endpoint_off`) at
 * once, so none is attempted against it and none alerts. Their workflows, if any, find them ended at their next
 * attempt. Answers how many.
 */
export async function markNotSentEndpointOff(db: Db, endpointId: string): Promise<number> {
  const rows = await db`
    update webhook_deliveries set status = 'failed', failure_reason = 'endpoint_off', failed_at = now(), next_attempt_at = null
    where endpoint_id = ${endpointId} and status = 'pending'
    returning id`;
  return rows.length;
}

/** A delivery as its workflow starts from it. */
export interface DeliveryRow {
  id: string;
  eventId: string;
  endpointId: string;
  merchantId: string;
  sequence: number;
}

const toRow = (r: Record<string, unknown>): DeliveryRow => ({
  id: r.id as string,
  eventId: r.eventId as string,
  endpointId: r.endpointId as string,
  merchantId: r.merchantId as string,
  sequence: r.sequence as number,
});

/**
 * Whether delivery `d` may go out now: no earlier delivery of its subject (`ordered_by`) to its endpoint is pending.
 * An ordered delivery that ends NOTIFYs the worker (recordAttempt), so the next one goes at once.
 */
const inTurn = (db: Db) => db`
  not exists (
    select 1 from webhook_deliveries earlier
    where earlier.endpoint_id = d.endpoint_id and earlier.ordered_by = d.ordered_by and earlier.status = 'pending'
      and earlier.position < d.position)`;

/** How long a first attempt's lease lasts: well beyond one attempt's deadline and its record. */
export const FIRST_ATTEMPT_LEASE_SECONDS = 60;

/**
 * The sweep's share: pending deliveries stored more than `olderThanSeconds` ago with no workflow and no live lease
 * (their NOTIFY was lost, or the worker making their first attempt died), 100 at most, leased to the sweep in the same
 * statement so no first attempt starts on them meanwhile.
 */
export async function unstartedDeliveries(db: Db, olderThanSeconds: number): Promise<DeliveryRow[]> {
  const rows = await db`
    update webhook_deliveries set first_attempt_lease_until = now() + make_interval(secs => ${FIRST_ATTEMPT_LEASE_SECONDS})
    where id in (
      select id from webhook_deliveries d
      where not workflow_started and status = 'pending' and created_at < now() - make_interval(secs => ${olderThanSeconds})
        and (first_attempt_lease_until is null or first_attempt_lease_until < now()) and ${inTurn(db)}
      order by created_at limit 100 for update skip locked)
    returning *`;
  return rows.map(toRow);
}

/**
 * The next delivery whose first attempt nobody has made or leased, and whose turn it is, leased to the caller; null
 * when there is none. Oldest first; concurrent callers take different rows (skip locked).
 */
export async function claimFirstAttempt(db: Db): Promise<DeliveryRow | null> {
  const [row] = await db`
    update webhook_deliveries set first_attempt_lease_until = now() + make_interval(secs => ${FIRST_ATTEMPT_LEASE_SECONDS})
    where id = (
      select id from webhook_deliveries d
      where not workflow_started and status = 'pending' and first_attempt_lease_until is null and ${inTurn(db)}
      order by created_at limit 1 for update skip locked)
    returning *`;
  return row ? toRow(row) : null;
}

/** Who asked for a redelivery (`merchant:<id>`, `operator:<id>`) and under which Idempotency-Key. */
export interface RedeliveryRequest {
  requestedBy: string;
  idempotencyKey: string;
}

/**
 * A new delivery of the same event to the same endpoint, linked to the one it repeats; null when this requester's key
 * was taken meanwhile (a concurrent request with the same key: read it with redeliveryByKey).
 */
export async function insertRedelivery(db: Db, original: Delivery, request: RedeliveryRequest): Promise<DeliveryRow | null> {
  const [row] = await db`
    insert into webhook_deliveries (event_id, endpoint_id, merchant_id, sequence, redelivery_of, requested_by, idempotency_key,
      first_attempt_lease_until)
    select ${original.eventId}, ${original.endpointId}, ${original.merchantId}, max(sequence) + 1, ${original.id},
      ${request.requestedBy}, ${request.idempotencyKey},
      -- its requester starts its workflow (store-then-start), so no first attempt is made outside it; the sweep's if not
      now() + make_interval(secs => ${FIRST_ATTEMPT_LEASE_SECONDS})
    from webhook_deliveries where event_id = ${original.eventId} and endpoint_id = ${original.endpointId}
    on conflict (requested_by, idempotency_key) where idempotency_key is not null do nothing
    returning *`;
  return row ? toRow(row) : null;
}

/** The redelivery this requester made under this key, if any. */
export async function redeliveryByKey(db: Db, request: RedeliveryRequest): Promise<Delivery | null> {
  const [row] = await db`
    ${withType(db)} where d.requested_by = ${request.requestedBy} and d.idempotency_key = ${request.idempotencyKey}`;
  return row ? toDelivery(row) : null;
}

/** How late a retrying delivery's next attempt may be before the sweep asks Temporal whether its workflow still runs. */
export const OVERDUE_ATTEMPT_SECONDS = 60;

/**
 * Pending deliveries whose workflow was started but whose next attempt (or first, for a workflow that has made none)
 * is overdue by `OVERDUE_ATTEMPT_SECONDS`: their workflow may have ended without them. 100 at most, most overdue first.
 */
export async function overdueStartedDeliveries(db: Db): Promise<DeliveryRow[]> {
  const rows = await db`
    select * from webhook_deliveries
    where status = 'pending' and workflow_started
      and coalesce(next_attempt_at, created_at) < now() - make_interval(secs => ${OVERDUE_ATTEMPT_SECONDS})
    order by coalesce(next_attempt_at, created_at) limit 100`;
  return rows.map(toRow);
}

/**
 * Deliveries whose workflow ended without them (an operator terminated it) fail (`workflow_ended`), so their subject's
 * later deliveries go; those still pending are answered (one its workflow's last attempt ended meanwhile is not).
 */
export async function failWorkflowEnded(db: Db, ids: string[]): Promise<DeliveryRow[]> {
  const rows = await db`
    update webhook_deliveries set status = 'failed', failure_reason = 'workflow_ended', failed_at = now(), next_attempt_at = null
    where id = any(${ids}::uuid[]) and status = 'pending'
    returning *`;
  if (rows.some((r) => r.orderedBy != null)) await notifyNextInTurn(db);
  return rows.map(toRow);
}
