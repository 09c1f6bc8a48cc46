/** Webhook activities: one signed attempt of a delivery, with its record, and the alert when a delivery fails for good. */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorCode } from '../../domain/errors.js';
import { classifyAnswer, type AttemptOutcome, type DeliveryStatus } from '../../domain/webhooks/delivery.js';
import { unseal } from '../../platform/crypto/sealed.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { raiseAlert } from '../../services/notifications/client.js';
import {
  deliveryTarget,
  recordAttempt,
  recordedAttempt,
  type Attempt,
  type DeliveryTarget,
} from '../../services/webhooks/deliveries-store.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../services/webhooks/signature.js';
import { postWebhook, type PostResult } from '../../services/webhooks/post.js';

export interface WebhookActivityDeps {
  sql: Sql;
  log: Logger;
  /** The sealing key of endpoint secrets (platform/crypto/sealed.ts, purpose "webhooks"). */
  key: Buffer;
  allowPrivateTargets: boolean;
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  /** The secrets to sign with now: the endpoint's, and the one it replaced while that is still valid. */
  function signingSecrets(target: DeliveryTarget): string[] {
    const previousValid =
      target.previousSecretSealed && target.previousSecretExpiresAt && target.previousSecretExpiresAt > new Date();
    return [target.secretSealed, ...(previousValid ? [target.previousSecretSealed!] : [])].map((s) => unseal(deps.key, s));
  }

  async function post(target: DeliveryTarget, deliveryId: string): Promise<PostResult> {
    const unixSeconds = Math.floor(Date.now() / 1000);
    return postWebhook(
      target.url,
      target.body,
      {
        [SIGNATURE_HEADER]: signatureHeader(target.body, signingSecrets(target), unixSeconds),
        'User-Agent': 'Sluice-Webhooks/1',
        'Sluice-Event-Id': target.eventId,
        'Sluice-Delivery-Id': deliveryId,
      },
      { allowPrivate: deps.allowPrivateTargets },
    );
  }

  /** The operators' alert: a row the notifications' alert routing reads (user null), and an error in the log. */
  async function alertFailed(tx: Tx, deliveryId: string, target: DeliveryTarget, attempt: Attempt) {
    deps.log.error(
      {
        delivery: deliveryId,
        event: target.eventId,
        url: target.url,
        attempts: attempt.attempt,
        error: attempt.error,
        status: attempt.statusCode,
      },
      'webhook delivery failed for good',
    );
    await raiseAlert(tx, {
      eventId: `webhook-delivery:${deliveryId}:failed`,
      type: 'webhook_endpoint_failing',
      severity: 'warning',
      title: `Webhook endpoint ${target.url} is failing: a delivery failed after its last attempt`,
      data: {
        endpoint: target.url,
        failures: attempt.attempt,
        last_status: attempt.statusCode,
        delivery_id: deliveryId,
        event_id: target.eventId,
        last_error: attempt.error,
      },
    });
  }

  return {
    /**
     * Attempt `attempt` of a delivery: POST the event signed, record the attempt, and answer where it leaves the
     * delivery: delivered, failed (a final answer, or the last attempt failed), or pending until the next attempt in
     * `retryInMs` (null: this was the last). Run again for an attempt already recorded, it posts nothing.
     */
    async attemptWebhookDelivery(input: {
      deliveryId: string;
      attempt: number;
      retryInMs: number | null;
    }): Promise<DeliveryStatus> {
      const { deliveryId, attempt, retryInMs } = input;
      const target = await deliveryTarget(deps.sql, deliveryId);
      if (!target) throw ApplicationFailure.nonRetryable(`no webhook delivery ${deliveryId}`, ErrorCode.NotFound);
      if (target.status !== 'pending' || (await recordedAttempt(deps.sql, deliveryId, attempt))) return target.status;

      const startedAt = new Date();
      const result: PostResult = target.endpointUsable
        ? await post(target, deliveryId)
        : { kind: 'refused', error: 'the endpoint is disabled or deleted', latencyMs: 0 };
      const outcome: AttemptOutcome =
        result.kind === 'answered' ? classifyAnswer(result.status) : result.kind === 'no_answer' ? 'retry' : 'final';
      const status: DeliveryStatus =
        outcome === 'delivered' ? 'delivered' : outcome === 'retry' && retryInMs !== null ? 'pending' : 'failed';
      const record: Attempt = {
        attempt,
        startedAt,
        latencyMs: result.latencyMs,
        statusCode: result.kind === 'answered' ? result.status : null,
        error: result.kind === 'answered' ? null : result.error,
        responseExcerpt: result.kind === 'answered' ? result.excerpt : null,
        outcome,
      };
      await deps.sql.begin(async (tx) => {
        const nextAttemptAt = status === 'pending' ? new Date(Date.now() + retryInMs!) : null;
        // the merchant turned the endpoint off (its pending deliveries were marked then; this one was on its way):
        // not sent, and no alert, which would say the endpoint is failing
        const failureReason = target.endpointUsable ? undefined : 'endpoint_off';
        const recorded = await recordAttempt(tx, deliveryId, record, { status, nextAttemptAt, failureReason });
        if (recorded && status === 'failed' && target.endpointUsable) await alertFailed(tx, deliveryId, target, record);
      });
      if (status === 'pending')
        deps.log.warn(
          { delivery: deliveryId, attempt, status: record.statusCode, error: record.error, retryInMs },
          'webhook attempt failed; retrying',
        );
      return status;
    },
  };
}
