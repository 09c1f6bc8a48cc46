/**
 * What a sweeper's steps write to the sweeps, batched across the tick's wallets like its reads (reads.ts): each step
 * opens or changes one sweep, and those its lanes write together go out as one statement (a burst of hundreds of
 * wallets costs a few statements per step, not hundreds queueing on the worker's pool). Each write is its own
 * statement's: a step goes on only once its change is stored, as with a direct write.
 */
import { BatchQueue } from '../../../platform/db/batch-queue.js';
import type { Sql } from '../../../platform/db/client.js';
import {
  openSweeps,
  updateSweeps,
  type Sweep,
  type SweepChanges,
  type SweepToOpen,
} from '../../../services/collection/sweeps-store.js';

export interface SweepWrites {
  /** Opens the sweep, or answers the one already open for its wallet and currency. */
  open(sweep: SweepToOpen): Promise<Sweep>;
  update(id: string, changes: SweepChanges): Promise<Sweep>;
}

/** Statements at once per kind: one goes out while the next batch gathers. */
const IN_FLIGHT = 2;
const MAX_BATCH = 1_000;

export function batchedSweepWrites(sql: Sql): SweepWrites {
  const opens = new BatchQueue((sweeps: SweepToOpen[]) => openSweeps(sql, sweeps), MAX_BATCH, IN_FLIGHT);
  const updates = new BatchQueue(
    async (batch: Array<{ id: string; changes: SweepChanges }>) => {
      const updated = await updateSweeps(sql, batch);
      return batch.map(({ id }) => updated.get(id)!);
    },
    MAX_BATCH,
    IN_FLIGHT,
  );
  return { open: (sweep) => opens.submit(sweep), update: (id, changes) => updates.submit({ id, changes }) };
}
