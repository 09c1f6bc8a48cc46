/** EVM deposit activities: what the listener recorded about a deposit, and handing its wallet to the collector. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../../platform/db/client.js';
import { observationOf } from '../../services/deposits/evm-observations.js';
import { ErrorCode } from '../../domain/errors.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { wakeCollector } from '../../services/collection/client.js';

export function createEvmDepositActivities(deps: { sql: Sql; temporal: TemporalTarget }) {
  return {
    /** The listener's record of the deposit: seen (confirming), confirmed (final) or dropped (reorged out). */
    async depositObservation(depositId: string) {
      const observation = await observationOf(deps.sql, depositId);
      if (!observation) throw ApplicationFailure.nonRetryable(`no EVM observation of deposit ${depositId}`, ErrorCode.NotFound);
      return observation;
    },

    /** Starts the wallet's collector, or wakes the running one: one collector per wallet, ever. */
    async wakeCollector(wallet: { chain: string; address: string }): Promise<void> {
      await wakeCollector(deps.temporal, wallet);
    },
  };
}
