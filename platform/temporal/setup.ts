/**
 * What the worker makes sure of on the Temporal side before it polls: the namespace exists (dev and test servers),
 * Sluice's search attributes are registered, and the Temporal Schedules exist with the configured intervals.
 */
import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type Connection,
} from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { ledgerAuditWorkflow } from '../../workflows/audit/workflow.js';
import { ALL_SEARCH_ATTRIBUTES, SluiceKind } from './search-attributes.js';
import type { Logger } from '../log.js';

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const GRPC_NOT_FOUND = 5;

export async function ensureNamespace(connection: Connection, namespace: string, log: Logger): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if (!isGrpcServiceError(error) || error.code !== GRPC_NOT_FOUND) throw error;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    log.info({ namespace }, 'registered Temporal namespace');
  }
  // a new namespace reaches the server's namespace cache a moment after it is registered
  for (let attempt = 0; ; attempt++) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return;
    } catch (error) {
      if (!isGrpcServiceError(error) || error.code !== GRPC_NOT_FOUND || attempt >= 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Sluice's search attributes as the operator service's addSearchAttributes wants them (all Keyword). */
export function searchAttributeDefinitions(names = ALL_SEARCH_ATTRIBUTES.map((key) => key.name)) {
  return Object.fromEntries(names.map((name) => [name, KEYWORD]));
}

export async function ensureSearchAttributes(connection: Connection, namespace: string, log: Logger): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: searchAttributeDefinitions(missing) });
  log.info({ added: missing }, 'registered search attributes');
}

export async function ensureSchedules(
  client: Client,
  settings: { taskQueue: string; auditIntervalMinutes: number },
  log: Logger,
) {
  const spec = { intervals: [{ every: `${settings.auditIntervalMinutes}m` as const }] };
  try {
    await client.schedule.create({
      scheduleId: 'ledger-audit',
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: ledgerAuditWorkflow,
        workflowId: 'ledger-audit:scheduled',
        taskQueue: settings.taskQueue,
        args: [{ trigger: 'schedule' as const }],
        typedSearchAttributes: [{ key: SluiceKind, value: 'ledger-audit' }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { description: 'Recomputes every ledger balance from the journal and checks the zero sum' },
    });
    log.info({ every: spec.intervals[0]!.every }, 'created the ledger audit schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle('ledger-audit').update((previous) => ({ ...previous, spec }));
  }
}
