/** What the notification delivery workflow and its starter (the worker's dispatcher) share. */
import { SluiceKind } from '../../../platform/temporal/search-attributes.js';

export const notificationDeliveryWorkflowType = 'notificationDeliveryWorkflow';
export type NotificationDeliveryWorkflow = (input: NotificationDeliveryInput) => Promise<DeliveryReport>;

/** One workflow per notification: `notification:<id>`; its deliveries are the rows the dispatcher created. */
export const notificationWorkflowId = (notificationId: string) => `notification:${notificationId}`;

export interface DeliveryRetry {
  /** Tries per delivery before it is logged as failed. */
  maximumAttempts: number;
  /** The first wait between tries; each next one doubles, up to ten minutes. */
  initialIntervalMs: number;
}

export interface NotificationDeliveryInput {
  notificationId: string;
  retry: DeliveryRetry;
}

export interface DeliveryReport {
  sent: number;
  failed: number;
}

export const notificationSearchAttributes = [{ key: SluiceKind, value: 'notification' }];
