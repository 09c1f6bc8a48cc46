/** Where a process starts and reaches workflows: a Temporal client and the task queue Sluice's worker polls. */
import type { Client } from '@temporalio/client';

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
  /**
   * The client shares its NativeConnection with a worker polling `taskQueue` (the worker process's own): a start may
   * ask for eager execution, the new workflow's first task handed back in the start's answer to that worker when it
   * has a free slot, skipping the task queue's matching and poll (fewer server writes per start).
   */
  eagerStart?: boolean;
}
