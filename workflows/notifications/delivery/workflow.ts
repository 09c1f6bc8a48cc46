/**
 * Notification delivery `notification:<id>`: sends each of the notification's deliveries (the dispatcher created them
 * from the recipient's routing) with retries and backoff; one that runs out of tries is logged as failed. Each send is
 * claimed in the delivery log first, so a retried activity or a re-run workflow never sends twice.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { createDeliveryActivities } from '../../../activities/notifications/delivery.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import type { DeliveryReport, NotificationDeliveryInput } from './messages.js';

type Activities = ReturnType<typeof createDeliveryActivities>;
const { openDeliveries, giveUpDelivery } = proxyActivities<Activities>(retryPolicies.bookkeeping);

export async function notificationDeliveryWorkflow(input: NotificationDeliveryInput): Promise<DeliveryReport> {
  const { sendNotificationDelivery } = proxyActivities<Activities>({
    ...retryPolicies.notificationSend,
    retry: {
      ...retryPolicies.notificationSend.retry,
      maximumAttempts: input.retry.maximumAttempts,
      initialInterval: input.retry.initialIntervalMs,
    },
  });
  const report: DeliveryReport = { sent: 0, failed: 0 };
  const deliveries = await openDeliveries(input.notificationId);
  await Promise.all(
    deliveries.map(async (id) => {
      try {
        await sendNotificationDelivery({ id, maximumAttempts: input.retry.maximumAttempts });
        report.sent++;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // out of tries, or refused for good: the activity logged the error on the row; it is final now
        await giveUpDelivery({ id, error: error.cause?.message ?? error.message });
        report.failed++;
      }
    }),
  );
  return report;
}
