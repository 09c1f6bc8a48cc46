/**
 * The gas keeper's one activity, run on its timer and whenever a request arrives: reconcile its transactions
 * (record what was mined, resubmit with higher fees what waited too long), read its balance, and send the fundings
 * it can pay for (sweeps waiting for gas, and requests queued by Update) in one batch with consecutive nonces.
 */
import { heartbeat } from '@temporalio/activity';
import type { Sql } from '../../platform/db/client.js';
import { committedByOpenSends, sendsByKeys } from '../../chains/evm/sends-store.js';
import { sweepsAwaitingFunding } from '../../services/collection/sweeps-store.js';
import { sweeperWorkflowId } from '../../workflows/collection/sweeper/messages.js';
import { fundingKey } from './sweeper/gas-funding.js';
import { NATIVE_TRANSFER_GAS } from '../../domain/collection/rules.js';
import { quoteFees } from '../../chains/evm/provider.js';
import type { EvmContext, GasKeeperSettings } from '../../chains/evm/context.js';
import type { Logger } from '../../platform/log.js';
import type { FundingRequest } from '../../workflows/collection/gas-keeper/messages.js';

export type { GasKeeperSettings };

export interface GasKeeperReport {
  address: string;
  /** Wei, decimal digits. */
  balance: string;
  /** Wei the keeper's unmined transactions may still spend. */
  committed: string;
  checkedAt: string;
  openSends: number;
  low: boolean;
  /** Request IDs sent (or found already sent) in this tick. */
  sent: string[];
  /** Sweeps waiting for gas that this tick could not pay for (absent from reports recorded before it was added). */
  waiting?: FundingRequest[];
  settings: GasKeeperSettings;
}

export function createGasKeeperActivities(deps: { sql: Sql; log: Logger; evm: EvmContext }) {
  const { evm } = deps;

  /**
   * The queued requests (Updates) and every sweep waiting for gas in the database: sweeps that arrive together are
   * funded by one tick, in one batch. Those sent already are set apart (the workflow drops them from its queue).
   */
  const withWaitingSweeps = async (queue: FundingRequest[]) => {
    const max = BigInt(evm.gasKeeperSettings.maxFunding);
    const waiting = (await sweepsAwaitingFunding(deps.sql, evm.chain)).flatMap((sweep) => {
      if (sweep.status !== 'funding') return [];
      if (sweep.fundingAmount > max) {
        deps.log.warn({ sweep: sweep.id, amount: sweep.fundingAmount.toString() }, 'gas funding above GAS_KEEPER_MAX_FUNDING');
        return [];
      }
      return [
        {
          requestId: fundingKey(sweep),
          to: sweep.address,
          amount: sweep.fundingAmount.toString(),
          notify: sweeperWorkflowId(evm.chain),
        },
      ];
    });
    const all = [...new Map([...queue, ...waiting].map((r) => [r.requestId, r])).values()];
    const sent = await sendsByKeys(
      deps.sql,
      evm.chain,
      all.map((r) => r.requestId),
    );
    return {
      toSend: all.filter((r) => !sent.has(r.requestId)),
      alreadySent: all.flatMap((r) => (sent.has(r.requestId) ? [r.requestId] : [])),
    };
  };

  return {
    async gasKeeperTick(input: { chain: string; queue: FundingRequest[] }): Promise<GasKeeperReport> {
      const keeper = evm.gasKeeper;
      const address = keeper.address.toLowerCase();
      const open = await evm.sender.reconcile(keeper, { staleAfterMs: evm.resubmitAfterMs, bump: true });
      heartbeat();
      const [balance, fees] = await Promise.all([evm.provider.getBalance(keeper.address, 'latest'), quoteFees(evm.provider)]);
      let available = balance - (await committedByOpenSends(deps.sql, evm.chain, address));

      const affordable: FundingRequest[] = [];
      const { toSend, alreadySent } = await withWaitingSweeps(input.queue);
      const queued = new Set(input.queue.map((r) => r.requestId));
      for (const request of toSend) {
        const cost = BigInt(request.amount) + NATIVE_TRANSFER_GAS * fees.maxFeePerGas;
        if (cost > available) continue;
        affordable.push(request);
        available -= cost;
      }
      if (affordable.length > 0) {
        await evm.sender.sendMany(
          keeper,
          affordable.map((r) => ({
            key: r.requestId,
            purpose: 'gas-funding',
            to: r.to,
            value: BigInt(r.amount),
            gasLimit: NATIVE_TRANSFER_GAS,
            fees,
            notify: [r.notify],
          })),
        );
        deps.log.info(
          { chain: evm.chain, count: affordable.length, waiting: toSend.length - affordable.length },
          'gas funding sent',
        );
      }
      const committed = await committedByOpenSends(deps.sql, evm.chain, address);
      return {
        address,
        balance: balance.toString(),
        committed: committed.toString(),
        checkedAt: new Date().toISOString(),
        openSends: open.length + affordable.length,
        low: balance < BigInt(evm.gasKeeperSettings.minBalance),
        sent: [...alreadySent, ...affordable.map((r) => r.requestId)],
        waiting: toSend.filter((r) => !affordable.includes(r) && !queued.has(r.requestId)),
        settings: evm.gasKeeperSettings,
      };
    },
  };
}
