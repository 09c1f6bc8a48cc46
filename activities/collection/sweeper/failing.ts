/**
 * A sweep's failed try, recorded on its row. A failure that passes by itself (a node or the listener behind) is tried
 * again every tick and only logged, so one that never passes would leave the deposits uncollected unseen: after
 * TRIES_BEFORE_ALERT tries in a row over at least FAILING_FOR_MS (a burst's ticks follow each other within seconds),
 * operators get a critical alert naming the sweep, once.
 */
import type { Db } from '../../../platform/db/client.js';
import { noteSweepError, type Sweep } from '../../../services/collection/sweeps-store.js';
import { raiseAlert } from '../../../services/notifications/client.js';

/** As many as a withdrawal's payout check fails before it alerts. */
export const TRIES_BEFORE_ALERT = 8;
/** About what those eight checks take (the sweeper polls every 15 s while sweeps are open). */
export const FAILING_FOR_MS = 2 * 60_000;

export async function noteSweepFailure(db: Db, sweep: Sweep, error: string, transient: boolean): Promise<void> {
  const { tries, since } = await noteSweepError(db, sweep.id, error);
  // one that will not pass by itself shows the sweeper `failing`, and alerts where it needs to (short of gas)
  if (!transient || tries < TRIES_BEFORE_ALERT || Date.now() - since.getTime() < FAILING_FOR_MS) return;
  await raiseAlert(db, {
    eventId: `sweep:${sweep.chain}:${sweep.id}:failing`,
    type: 'other',
    kind: 'evm_sweep_failing',
    severity: 'critical',
    title: `Sweep ${sweep.id} of ${sweep.currency} from ${sweep.address} keeps failing: ${error}`,
    data: { sweep_id: sweep.id, address: sweep.address, currency: sweep.currency, tries, since: since.toISOString(), error },
  });
}
