/**
 * Merchants' webhook endpoints and deliveries: endpoint rules (where it may point, how many), secrets sealed at rest and
 * shown once, rotation with an overlap, and redelivery as a new delivery linked to the one it repeats.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { WebhookEventType } from '../../domain/webhooks/events.js';
import { seal } from '../../platform/crypto/sealed.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { storeThenStart } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { deliveryOutbox } from './delivery-outbox.js';
import {
  deliveryById,
  insertRedelivery,
  markNotSentEndpointOff,
  redeliveryByKey,
  type Delivery,
  type DeliveryRow,
  type RedeliveryRequest,
} from './deliveries-store.js';
import {
  deleteEndpoint,
  deliveryEndpointState,
  endpointOf,
  endpointsOf,
  insertEndpoint,
  rotateSecret,
  updateEndpoint,
  type Endpoint,
} from './endpoints-store.js';
import { endpointUrlProblem } from './outbound-address.js';
import { newEndpointSecret } from './signature.js';

export interface WebhookDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
  /** The sealing key of endpoint secrets (purpose "webhooks"). */
  key: Buffer;
  allowPrivateTargets: boolean;
  /** BTCPay's schedule unless a bench or test shortens it. */
  retryDelaysMs?: number[];
}

export const MAX_ENDPOINTS = 20;
/** How long a rotated-out secret stays valid unless the merchant says otherwise, and at most. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3_600;
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3_600;

function checkUrl(deps: WebhookDeps, url: string): void {
  const problem = endpointUrlProblem(url, deps.allowPrivateTargets);
  if (problem) throw new DomainError(ErrorCode.ValidationFailed, `url ${problem}`, [{ path: 'url', message: problem }]);
}

const distinct = (types: WebhookEventType[]) => [...new Set(types)];

export async function createEndpoint(
  deps: WebhookDeps,
  merchantId: string,
  input: { url: string; eventTypes: WebhookEventType[]; enabled: boolean; description: string | null },
): Promise<{ endpoint: Endpoint; secret: string }> {
  checkUrl(deps, input.url);
  if ((await endpointsOf(deps.sql, merchantId)).length >= MAX_ENDPOINTS)
    throw new DomainError(ErrorCode.LimitExceeded, `a merchant may have at most ${MAX_ENDPOINTS} webhook endpoints`);
  const secret = newEndpointSecret();
  const endpoint = await insertEndpoint(deps.sql, {
    merchantId,
    url: input.url,
    eventTypes: distinct(input.eventTypes),
    enabled: input.enabled,
    description: input.description,
    secretSealed: seal(deps.key, secret),
  });
  deps.log.info({ merchant: merchantId, endpoint: endpoint.id, url: endpoint.url }, 'webhook endpoint created');
  return { endpoint, secret };
}

export async function ownEndpoint(deps: Pick<WebhookDeps, 'sql'>, merchantId: string, id: string): Promise<Endpoint> {
  const endpoint = await endpointOf(deps.sql, merchantId, id);
  if (!endpoint) throw new DomainError(ErrorCode.NotFound, 'no such webhook endpoint');
  return endpoint;
}

/**
 * Turning an endpoint off (`enabled: false`) marks its pending deliveries not sent (`endpoint_off`) in the same
 * transaction: one log line, no alert per delivery (the merchant chose it; the endpoint is not failing). They can be
 * redelivered once it is on again.
 */
export async function changeEndpoint(
  deps: WebhookDeps,
  merchantId: string,
  id: string,
  change: { url?: string; eventTypes?: WebhookEventType[]; enabled?: boolean; description?: string | null },
): Promise<Endpoint> {
  await ownEndpoint(deps, merchantId, id);
  if (change.url !== undefined) checkUrl(deps, change.url);
  return deps.sql.begin(async (tx) => {
    const endpoint = await updateEndpoint(tx, id, { ...change, eventTypes: change.eventTypes && distinct(change.eventTypes) });
    if (change.enabled === false) await markPendingNotSent(deps, tx, endpoint.id, 'turned off');
    return endpoint;
  });
}

async function markPendingNotSent(deps: WebhookDeps, tx: Tx, endpointId: string, why: string): Promise<void> {
  const notSent = await markNotSentEndpointOff(tx, endpointId);
  if (notSent > 0) deps.log.info({ endpoint: endpointId, notSent }, `webhook endpoint ${why}: its pending deliveries not sent`);
}

/** Deleting stops new deliveries to it and marks its pending ones not sent (`endpoint_off`), as turning it off does. */
export async function removeEndpoint(deps: WebhookDeps, merchantId: string, id: string): Promise<void> {
  await ownEndpoint(deps, merchantId, id);
  await deps.sql.begin(async (tx) => {
    await deleteEndpoint(tx, id);
    await markPendingNotSent(deps, tx, id, 'deleted');
  });
  deps.log.info({ merchant: merchantId, endpoint: id }, 'webhook endpoint deleted');
}

/** A new secret, shown once; the one it replaces keeps signing deliveries (alongside) for `overlapSeconds`. */
export async function rotateEndpointSecret(
  deps: WebhookDeps,
  merchantId: string,
  id: string,
  overlapSeconds: number,
): Promise<{ endpoint: Endpoint; secret: string }> {
  return deps.sql.begin(async (tx) => {
    if (!(await endpointOf(tx, merchantId, id, true))) throw new DomainError(ErrorCode.NotFound, 'no such webhook endpoint');
    const secret = newEndpointSecret();
    const endpoint = await rotateSecret(tx, id, seal(deps.key, secret), new Date(Date.now() + overlapSeconds * 1000));
    deps.log.info({ merchant: merchantId, endpoint: id, overlapSeconds }, 'webhook endpoint secret rotated');
    return { endpoint, secret };
  });
}

/** A delivery of this merchant's, or NotFound (another merchant's delivery is as absent as a missing one). */
export async function ownDelivery(deps: Pick<WebhookDeps, 'sql'>, merchantId: string, id: string): Promise<Delivery> {
  const delivery = await deliveryById(deps.sql, id);
  if (!delivery || delivery.merchantId !== merchantId) throw new DomainError(ErrorCode.NotFound, 'no such webhook delivery');
  return delivery;
}

export async function existingDelivery(deps: Pick<WebhookDeps, 'sql'>, id: string): Promise<Delivery> {
  const delivery = await deliveryById(deps.sql, id);
  if (!delivery) throw new DomainError(ErrorCode.NotFound, 'no such webhook delivery');
  return delivery;
}

/**
 * Sends a delivery's event again, to the same endpoint, as a new delivery linked to it (with a workflow of its own).
 * A delivery still under way is not repeated (409): its own retries are running; nor one to an endpoint turned off or
 * deleted (409: it would not be sent). Once per Idempotency-Key of its requester: the same key again answers the
 * first redelivery (replayed), or a conflict for another delivery.
 */
export async function redeliver(
  deps: WebhookDeps,
  original: Delivery,
  request: RedeliveryRequest,
): Promise<{ delivery: Delivery; replayed: boolean }> {
  const replay = (earlier: Delivery) => {
    if (earlier.redeliveryOf !== original.id)
      throw new DomainError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used to redeliver another delivery');
    return { delivery: earlier, replayed: true };
  };
  let earlier: Delivery | null = null;
  const row = await storeThenStart<DeliveryRow>(
    deliveryOutbox(deps.temporal, deps.sql, deps.retryDelaysMs),
    () =>
      deps.sql.begin(async (tx) => {
        // locked, so two redeliveries at once take the next two sequence numbers in turn
        const [locked] = await tx`select status from webhook_deliveries where id = ${original.id} for update`;
        earlier = await redeliveryByKey(tx, request);
        if (earlier) return null;
        if (locked!.status === 'pending')
          throw new DomainError(ErrorCode.Conflict, 'this delivery is still under way: its retries are running');
        const endpoint = await deliveryEndpointState(tx, original.merchantId, original.endpointId);
        if (endpoint === 'deleted') throw new DomainError(ErrorCode.Conflict, 'the endpoint of this delivery was deleted');
        // it would not be sent: turned on again, the endpoint takes it
        if (endpoint === 'off')
          throw new DomainError(ErrorCode.Conflict, 'the endpoint of this delivery is turned off: turn it on, then redeliver');
        return insertRedelivery(tx, original, request);
      }),
    deps.log,
  );
  // the key taken meanwhile by a request for another delivery (one for this delivery waited on the lock above)
  if (!row) return replay(earlier ?? (await redeliveryByKey(deps.sql, request))!);
  deps.log.info({ delivery: row.id, redeliveryOf: original.id, by: request.requestedBy }, 'webhook redelivery requested');
  return { delivery: (await deliveryById(deps.sql, row.id))!, replayed: false };
}
