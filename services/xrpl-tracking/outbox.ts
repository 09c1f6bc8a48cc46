/**
 * What the XRPL tracker tells other features after its SQL transaction committed: recorded deposits signal their
 * workflows (then leave the outbox), and validated hot-wallet payouts reach their withdrawals.
 */
import type { Db } from '../../platform/db/client.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { signalXrplDeposit, type XrplDepositToSignal } from '../deposits/client.js';
import { reportPayout } from '../withdrawals/client.js';
import { markSignalled } from './payments-store.js';
import type { SeenPayout } from './store-payments.js';

/** Signals each deposit's workflow and marks the payments signalled; a failure leaves the rest in the outbox. */
export async function signalDeposits(temporal: TemporalTarget, db: Db, deposits: XrplDepositToSignal[]): Promise<void> {
  const signalled: string[] = [];
  try {
    for (const deposit of deposits) {
      await signalXrplDeposit(temporal, deposit);
      signalled.push(deposit.hash);
    }
  } finally {
    await markSignalled(db, signalled);
  }
}

/** Tells each withdrawal its payout was validated (or failed); the payout's key is the withdrawal's workflow ID. */
export async function signalPayouts(temporal: TemporalTarget, payouts: SeenPayout[]): Promise<void> {
  for (const payout of payouts) {
    await reportPayout(
      temporal,
      payout.key,
      payout.succeeded
        ? { confirmed: true, txHash: payout.hash }
        : { confirmed: false, txHash: payout.hash, reason: `the ledger validated it as ${payout.result}` },
    );
  }
}
