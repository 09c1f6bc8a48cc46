/**
 * Recording confirmed sweeps in the ledger, with the deposits they collected; a sweep that failed on chain books only
 * its fees and raises a critical notice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { sendById } from '../../../chains/evm/sends-store.js';
import { markCollected, updateSweep } from '../../../services/collection/sweeps-store.js';
import { commitGroups } from '../../../services/ledger/journal.js';
import { raiseAlert } from '../../../services/notifications/client.js';
import { earlyFundingTransfers, sweepLedgerTransfers } from '../../../domain/collection/rules.js';
import { evmCurrencies, gasOf, loadSweep, transferKey, type SweepDeps } from './context.js';

/** What recording a sweep comes to: nothing (already recorded), or its ledger transfers and what it collected. */
type Booking = Awaited<ReturnType<typeof bookingOf>>;

/** A confirmed sweep's booking: cold and hot custody, the gas funding and every fee, and which deposits it collected. */
async function bookingOf(deps: SweepDeps, id: string) {
  const { sql } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status === 'confirmed' || sweep.status === 'failed') return null;
  const state = await deps.evm.sender.stateOf(transferKey(sweep));
  if (!state?.confirmed) throw ApplicationFailure.retryable(`sweep ${id} is not confirmed yet`);
  // the workflow asks once sendSweep has marked it sent (a sweep is priced, then stored, then marked sent)
  if (sweep.status !== 'sent') throw ApplicationFailure.retryable(`sweep ${id} is ${sweep.status}, not marked sent yet`);
  const funding = sweep.fundingSendId ? await sendById(sql, sweep.fundingSendId) : null;
  const early = sweep.earlyFundingKey ? await earlyFundingBooking(deps, sweep.earlyFundingKey) : [];
  const succeeded = state.send.succeeded === true;
  const { native } = await evmCurrencies(deps);
  const transfers = sweepLedgerTransfers({
    sweepId: sweep.id,
    chain: sweep.chain,
    currency: sweep.currency,
    nativeCurrency: native.code,
    amount: succeeded ? sweep.amount : 0n,
    sweepGas: gasOf(state.send),
    funding: funding ? { amount: funding.value, gas: gasOf(funding) } : null,
    depositIds: sweep.depositIds,
    txHash: state.send.minedHash!,
  });
  return { sweep, send: state.send, succeeded, transfers, early };
}

/**
 * The early funding a sweep claimed is booked with it, as a group of its own under the funding's keys (the
 * reconciliation books one no sweep did, under the same keys: whichever comes second replays). It is mined before the
 * sweep could be, so at least as deep as the sweep's confirmations; the listener's record of it may lag.
 */
async function earlyFundingBooking(deps: SweepDeps, key: string) {
  const funding = await deps.reads.send(key);
  if (!funding || funding.status === 'pending' || funding.minedHash === null) {
    throw ApplicationFailure.retryable(`the early funding ${key} is not recorded as mined yet`);
  }
  const { native } = await evmCurrencies(deps);
  return earlyFundingTransfers({
    chain: funding.chain,
    nativeCurrency: native.code,
    key,
    value: funding.value,
    succeeded: funding.succeeded === true,
    gas: gasOf(funding),
    txHash: funding.minedHash,
  });
}

/**
 * Books confirmed sweeps, many in one SQL transaction: the cold wallet's and the hot custody's accounts are locked
 * once for all of them, not once per sweep (a burst confirms hundreds together). A sweep that failed on chain books
 * only its fees and raises a critical notice. Answers each sweep's outcome: one the ledger refused is not booked, and
 * does not hold the others back.
 */
export async function recordSweeps(deps: SweepDeps, ids: string[]): Promise<Map<string, { error?: unknown }>> {
  const outcomes = new Map<string, { error?: unknown }>();
  const bookings: Array<NonNullable<Booking>> = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        const booking = await bookingOf(deps, id);
        if (booking) bookings.push(booking);
        outcomes.set(id, {});
      } catch (error) {
        outcomes.set(id, { error });
      }
    }),
  );
  if (bookings.length === 0) return outcomes;
  await deps.sql.begin(async (tx) => {
    // each sweep's claimed early funding goes first, as a group of its own (replayed if the reconciliation booked it)
    const groups = bookings.flatMap(({ transfers, early }) => [
      ...(early.length > 0 ? [{ transfers: early }] : []),
      { transfers },
    ]);
    const results = await commitGroups(tx, groups);
    let next = 0;
    const ledgered = bookings.map(({ early }) => {
      const earlyOutcome = early.length > 0 ? results[next++]! : null;
      const outcome = results[next++]!;
      return earlyOutcome && !earlyOutcome.ok ? earlyOutcome : outcome;
    });
    // issued together: postgres.js pipelines them on the transaction's connection
    await Promise.all(
      bookings.map(async ({ sweep, send, succeeded }, i) => {
        const outcome = ledgered[i]!;
        if (!outcome.ok) {
          const refused = `the ledger refused sweep ${sweep.id}: ${outcome.error.message}`;
          outcomes.set(sweep.id, { error: ApplicationFailure.nonRetryable(refused, outcome.error.code) });
          return;
        }
        await updateSweep(tx, sweep.id, {
          status: succeeded ? 'confirmed' : 'failed',
          gasSpent: gasOf(send),
          sweepSendId: send.id,
        });
        if (succeeded) {
          await markCollected(tx, sweep.id, sweep.depositIds);
        } else {
          await raiseAlert(tx, {
            eventId: `sweep:${sweep.chain}:${sweep.id}:failed`,
            type: 'other',
            kind: 'evm_sweep_failed',
            severity: 'critical',
            title: `Sweep ${sweep.id} of ${sweep.currency} from ${sweep.address} failed on chain`,
            data: { sweep_id: sweep.id, tx_hash: send.minedHash, address: sweep.address, currency: sweep.currency },
          });
        }
      }),
    );
  });
  for (const { sweep, succeeded, send } of bookings) {
    if (outcomes.get(sweep.id)?.error) continue;
    deps.log.info(
      { sweep: sweep.id, currency: sweep.currency, amount: sweep.amount.toString(), succeeded, tx: send.minedHash },
      'sweep recorded',
    );
  }
  return outcomes;
}
