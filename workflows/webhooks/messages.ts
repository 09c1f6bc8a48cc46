/** What the webhook delivery workflow and its callers (the webhooks client, the worker's dispatcher, tests) share. */
import { defineQuery } from '@temporalio/workflow';
import type { DeliveryStatus } from '../../domain/webhooks/delivery.js';
import { SluiceKind, SluiceStatus, UserId } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const webhookDeliveryWorkflowType = 'webhookDeliveryWorkflow';
export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<DeliveryStatus>;

/**
 * One workflow per event and endpoint: `webhook:<event-id>:<endpoint-id>`; the n-th redelivery of it to that endpoint
 * is `webhook:<event-id>:<endpoint-id>:<n>`.
 */
export const webhookWorkflowId = (d: { eventId: string; endpointId: string; sequence: number }) =>
  `webhook:${d.eventId}:${d.endpointId}${d.sequence > 0 ? `:${d.sequence}` : ''}`;

export interface WebhookDeliveryInput {
  deliveryId: string;
  merchantId: string;
  /** The waits before each retry (ms): BTCPay's schedule unless a bench shortens it (WEBHOOK_RETRY_SCHEDULE). */
  retryDelaysMs: number[];
}

export interface WebhookDeliveryState {
  status: DeliveryStatus;
  attempts: number;
}

export const webhookDeliveryStateQuery = defineQuery<WebhookDeliveryState>('webhookDeliveryState');

export const webhookSearchAttributes = (input: WebhookDeliveryInput) => [
  { key: SluiceKind, value: 'webhook' },
  { key: SluiceStatus, value: 'pending' },
  { key: UserId, value: input.merchantId },
];
