/** EVM deposit activities: what the listener recorded about a deposit, crediting it, and handing its wallet to the sweeper. */
import { ApplicationFailure } from '@temporalio/activity';
import { observationOf } from '../../services/deposits/evm-observations.js';
import { ErrorCode } from '../../domain/errors.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { wakeSweeper } from '../../services/collection/client.js';
import type { EvmDepositInput, EvmDepositStatus } from '../../workflows/deposits/evm/messages.js';
import { creditOnce, type CreditDeps } from './credit.js';

export function createEvmDepositActivities(deps: CreditDeps & { temporal: TemporalTarget }) {
  /** The listener's record of the deposit: seen (confirming), confirmed (final) or dropped (reorged out). */
  const depositObservation = async (depositId: string) => {
    const observation = await observationOf(deps.sql, depositId);
    if (!observation) throw ApplicationFailure.nonRetryable(`no EVM observation of deposit ${depositId}`, ErrorCode.NotFound);
    return observation;
  };
  return {
    depositObservation,

    /**
     * Hands the wallet to the chain's sweeper. Named for the per-wallet collector it woke before the sweeper replaced
     * it: deposit workflows from before patch `evm-deposit-settle-in-one-step` schedule it by this name.
     */
    async wakeCollector(wallet: { chain: string; address: string }): Promise<void> {
      await wakeSweeper(deps.temporal, wallet.chain, [wallet.address]);
    },

    /**
     * The whole of a deposit's settling in one idempotent step: reads the listener's record; a confirmed deposit is
     * credited (the listener credits it as it records the confirming block, so this finds it credited, unless it was
     * confirmed before that or the ledger refused it then) and converted when its user asked; one still confirming
     * is left as it is. The listener's outbox has woken the chain's sweeper before telling this workflow.
     */
    async settleEvmDeposit(input: Pick<EvmDepositInput, 'depositId' | 'chain' | 'address'>): Promise<EvmDepositStatus> {
      const observation = await depositObservation(input.depositId);
      if (observation.state === 'seen') return { state: 'confirming', confirmations: observation.confirmations };
      const credited = observation.state === 'confirmed' ? await creditOnce(deps, input.depositId) : null;
      const state = credited === null ? 'dropped' : credited.status === 'held' ? 'held' : 'credited';
      return { state, confirmations: observation.confirmations };
    },
  };
}
