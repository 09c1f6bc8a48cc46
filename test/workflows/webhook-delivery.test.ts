/**
 * The webhook delivery workflow on the time-skipping server with its attempt activity scripted: BTCPay's schedule
 * (10 s, 1 min, 6 × 10 min) between retryable failures, a 2xx ending it, a final answer ending it at once, and a
 * delivery that exhausts the schedule ending `failed` (visible, never silently stopped).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, type DeliveryStatus } from '../../domain/webhooks/delivery.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import {
  webhookDeliveryStateQuery,
  webhookDeliveryWorkflowType,
  webhookSearchAttributes,
  webhookWorkflowId,
  type WebhookDeliveryInput,
  type WebhookDeliveryWorkflow,
} from '../../workflows/webhooks/messages.js';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

const TASK_QUEUE = 'webhook-test';
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

type Answer = 'ok' | 'retryable' | 'final';

/** Runs a delivery whose attempts answer as `answers` says (the last answer repeats); returns its result and history. */
async function deliver(id: string, answers: Answer[]) {
  const calls: Array<{ attempt: number; retryInMs: number | null }> = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: {
      async attemptWebhookDelivery(input: { attempt: number; retryInMs: number | null }): Promise<DeliveryStatus> {
        calls.push({ attempt: input.attempt, retryInMs: input.retryInMs });
        const answer = answers[Math.min(input.attempt, answers.length) - 1]!;
        if (answer === 'ok') return 'delivered';
        return answer === 'retryable' && input.retryInMs !== null ? 'pending' : 'failed';
      },
    },
  });
  return worker.runUntil(async () => {
    const input: WebhookDeliveryInput = { deliveryId: id, merchantId: 'm1', retryDelaysMs: [...RETRY_DELAYS_MS] };
    const handle = await env.client.workflow.start<WebhookDeliveryWorkflow>(webhookDeliveryWorkflowType, {
      taskQueue: TASK_QUEUE,
      workflowId: webhookWorkflowId({ eventId: `invoice:${id}:settled`, endpointId: 'e1', sequence: 0 }),
      args: [input],
      typedSearchAttributes: webhookSearchAttributes(input),
    });
    const result = await handle.result();
    const history = await handle.fetchHistory();
    const timersMs = (history.events ?? [])
      .map((e) => e.timerStartedEventAttributes?.startToFireTimeout)
      .filter((t) => t != null)
      .map((t) => Number(t!.seconds) * 1000 + Math.round((t!.nanos ?? 0) / 1e6));
    const state = await handle.query(webhookDeliveryStateQuery);
    const status = (await handle.describe()).typedSearchAttributes.get(SluiceStatus);
    return { result, timersMs, calls, state, status };
  });
}

describe('the webhook delivery workflow', () => {
  it('retries after 10 s, 1 min, then 6 × 10 min, and ends failed when the schedule is spent', async () => {
    const run = await deliver('1', ['retryable']);
    expect(run.timersMs).toEqual([10_000, 60_000, 600_000, 600_000, 600_000, 600_000, 600_000, 600_000]);
    expect(run.calls).toHaveLength(9);
    expect(run.calls.at(-1)).toEqual({ attempt: 9, retryInMs: null });
    expect(run.result).toBe('failed');
    expect(run.state).toEqual({ status: 'failed', attempts: 9 });
    expect(run.status).toBe('failed');
  });

  it('ends at the first 2xx', async () => {
    const run = await deliver('2', ['retryable', 'retryable', 'ok']);
    expect(run.timersMs).toEqual([10_000, 60_000]);
    expect(run.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(run.result).toBe('delivered');
    expect(run.status).toBe('delivered');
  });

  it('ends at once on a final answer (a 4xx other than 408 and 429)', async () => {
    const run = await deliver('3', ['retryable', 'final']);
    expect(run.timersMs).toEqual([10_000]);
    expect(run.calls).toHaveLength(2);
    expect(run.result).toBe('failed');
  });

  it('delivered at the first attempt waits for nothing', async () => {
    const run = await deliver('4', ['ok']);
    expect(run.timersMs).toEqual([]);
    expect(run.result).toBe('delivered');
  });
});
