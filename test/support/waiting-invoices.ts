/**
 * Open invoice workflows with histories of a chosen length, for a worker's restart (test/workflows/worker-restart.test.ts,
 * bench/worker-restart.ts): stub activities (no database) whose invoice stays open, looked at every 2 ms until its
 * history has grown, then waiting an hour; and what a workflow's history says since the signal that woke it.
 */
import type { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { InvoiceFacts } from '../../domain/invoices/facts.js';
import {
  invoicePaymentSignal,
  invoiceWorkflowId,
  invoiceWorkflowType,
  type InvoiceWorkflow,
} from '../../workflows/invoices/messages.js';

const { EventType, TimeoutType } = proto.temporal.api.enums.v1;
/** The history events of one look: the workflow task's three, the local activity's marker, the timer's two. */
export const EVENTS_PER_LOOK = 6;

/** Activities keeping invoices open: each look waits 2 ms until `events` history events, then an hour. */
export function waitingInvoiceActivities(events: number) {
  const looks = new Map<string, number>();
  const openInvoice = (id: string, waitMs: number): InvoiceFacts => ({
    id,
    merchantId: 'merchant',
    status: 'new',
    currency: 'USDT',
    amount: '1000000',
    feePpm: '0',
    expiresAt: Date.now() + waitMs,
    monitoringUntil: Date.now() + waitMs + 3_600_000,
    quotes: [],
    payments: [],
  });
  return {
    looks,
    /** Whether every invoice has grown its history and waits. */
    grown: (count: number) => [...looks.values()].filter((n) => n * EVENTS_PER_LOOK >= events).length >= count,
    activities: {
      async reviewInvoice(invoiceId: string): Promise<InvoiceFacts> {
        const seen = (looks.get(invoiceId) ?? 0) + 1;
        looks.set(invoiceId, seen);
        return openInvoice(invoiceId, seen * EVENTS_PER_LOOK < events ? 2 : 3_600_000);
      },
      recordInvoiceStep(): Promise<never> {
        throw new Error('an open invoice without payments records nothing');
      },
    },
  };
}

/** Starts `count` invoice workflows; their poll interval is an hour, so only their invoice's deadline wakes them. */
export async function startWaitingInvoices(client: Client, taskQueue: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => invoiceWorkflowId(`waiting-${i}`));
  for (const [i, workflowId] of ids.entries())
    await client.workflow.start<InvoiceWorkflow>(invoiceWorkflowType, {
      taskQueue,
      workflowId,
      // a run carried over keeps its search attributes: none to register on the server
      args: [{ invoiceId: `waiting-${i}`, pollIntervalMs: 3_600_000, carried: { closedAt: null } }],
    });
  return ids;
}

/** What wakes a waiting invoice: a payment's signal (a timer firing would do the same). */
export const wakeInvoices = (client: Client, ids: string[]) =>
  Promise.all(ids.map((id) => client.workflow.getHandle(id).signal(invoicePaymentSignal)));

async function eventsSinceSignal(connection: Connection, workflowId: string) {
  const events = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connection.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: 'default',
      execution: { workflowId },
      maximumPageSize: 20,
      nextPageToken,
    });
    for (const event of page.history!.events!) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) return events.reverse();
      events.push(event);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  throw new Error(`${workflowId}: no signal in its history`);
}

/** Whether the workflow task the signal scheduled has completed. */
export async function completedSinceSignal(connection: Connection, workflowId: string): Promise<boolean> {
  const events = await eventsSinceSignal(connection, workflowId);
  return events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
}

/**
 * The workflow task attempts since the signal that were lost: its task timed out on the stopped worker's sticky queue
 * (schedule-to-start, as after any restart: the server then hands it to the task queue itself), and the attempts that
 * timed out on the new worker (start-to-close) and were replayed again.
 */
export async function lostTasksSinceSignal(connection: Connection, workflowId: string) {
  const events = await eventsSinceSignal(connection, workflowId);
  const timeouts = events.flatMap((e) =>
    e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT ? [e.workflowTaskTimedOutEventAttributes!.timeoutType] : [],
  );
  const stickyTimeouts = timeouts.filter((t) => t === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START).length;
  // attempts after the second are transient (not in the history until one completes): the last scheduled one says which
  const scheduled = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  const attempt = Math.max(timeouts.length + 1, scheduled.at(-1)?.workflowTaskScheduledEventAttributes?.attempt ?? 1);
  return { stickyTimeouts, replayedAgain: attempt - 1 - stickyTimeouts };
}

/** The number of events in the workflow's current run. */
export async function historyLength(connection: Connection, workflowId: string): Promise<number> {
  const { history } = await connection.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: 'default',
    execution: { workflowId },
    maximumPageSize: 1,
  });
  return Number(history!.events![0]!.eventId);
}
