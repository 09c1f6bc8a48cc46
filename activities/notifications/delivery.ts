/** The delivery workflow's activities: the notification's open deliveries, one send, and giving a delivery up. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ErrorCode } from '../../domain/errors.js';
import { PermanentSendError, RetryLaterError } from '../../services/notifications/channels.js';
import { markDeliveryAttemptFailed, openDeliveriesOf } from '../../services/notifications/deliveries-store.js';
import { sendDelivery, type DeliveryDeps } from '../../services/notifications/delivery.js';

export function createDeliveryActivities(deps: DeliveryDeps) {
  return {
    openDeliveries: (notificationId: string) => openDeliveriesOf(deps.sql, notificationId),

    /** Sends one delivery once (a repeat after it was sent, or after it was interrupted mid-send, sends nothing). */
    async sendNotificationDelivery({ id, maximumAttempts }: { id: string; maximumAttempts: number }): Promise<void> {
      const lastAttempt = Context.current().info.attempt >= maximumAttempts;
      try {
        await sendDelivery(deps, id, { lastAttempt });
      } catch (error) {
        if (error instanceof PermanentSendError) throw ApplicationFailure.nonRetryable(error.message, ErrorCode.ProviderRefused);
        // the next try waits as long as the service asked (Telegram's retry_after), not the policy's backoff
        if (error instanceof RetryLaterError)
          throw ApplicationFailure.create({ message: error.message, nextRetryDelay: error.retryAfterMs });
        throw error;
      }
    },

    /** Records a delivery as failed for good (its last error stays on the row). */
    giveUpDelivery: ({ id, error }: { id: string; error: string }) => markDeliveryAttemptFailed(deps.sql, id, error, true),
  };
}
