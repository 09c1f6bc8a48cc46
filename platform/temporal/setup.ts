/**
 * What the worker makes sure of on the Temporal side before it polls: the namespace exists (dev and test servers),
 * and Sluice's search attributes are registered. Features add their schedules and long-lived workflows after this.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes.js';
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
      await sleep(100);
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
