/** Where a process starts and reaches workflows: a Temporal client and the task queue Sluice's worker polls. */
import type { Client } from '@temporalio/client';

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
}
