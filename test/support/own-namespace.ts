/**
 * A Temporal namespace of a test file's own, with the search attributes Sluice's workflows start with (the test
 * server's default namespace has none, so starting one there fails): for files that start workflows no worker polls.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { inject } from 'vitest';
import { ensureNamespace, ensureSearchAttributes } from '../../platform/temporal/setup.js';

export async function ownNamespace(address = inject('temporalAddress')): Promise<{ client: Client; close(): Promise<void> }> {
  const namespace = `test-${randomBytes(4).toString('hex')}`;
  const log = pino({ level: 'silent' });
  const connection = await Connection.connect({ address });
  await ensureNamespace(connection, namespace, log);
  await ensureSearchAttributes(connection, namespace, log);
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}
