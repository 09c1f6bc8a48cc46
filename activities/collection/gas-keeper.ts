/**
 * The gas keeper's one activity, run on its timer and whenever a request arrives: reconcile its transactions
 * (record what was mined, resubmit with higher fees what waited too long), read its balance, and send the queued
 * fundings it can pay for, in one batch with consecutive nonces.
 */
import { heartbeat } from '@temporalio/activity';
import type { Sql } from '../../platform/db/client.js';
import { committedByOpenSends } from '../../chains/evm/sends-store.js';
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
  settings: GasKeeperSettings;
}

export function createGasKeeperActivities(deps: { sql: Sql; log: Logger; evm: EvmContext }) {
  const { evm } = deps;
  return {
    async gasKeeperTick(input: { chain: string; queue: FundingRequest[] }): Promise<GasKeeperReport> {
      const keeper = evm.gasKeeper;
      const address = keeper.address.toLowerCase();
      const open = await evm.sender.reconcile(keeper, { staleAfterMs: evm.resubmitAfterMs, bump: true });
      heartbeat();
      const [balance, fees] = await Promise.all([evm.provider.getBalance(keeper.address, 'latest'), quoteFees(evm.provider)]);
      let available = balance - (await committedByOpenSends(deps.sql, evm.chain, address));

      const affordable: FundingRequest[] = [];
      for (const request of input.queue) {
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
          { chain: evm.chain, count: affordable.length, queued: input.queue.length - affordable.length },
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
        sent: affordable.map((r) => r.requestId),
        settings: evm.gasKeeperSettings,
      };
    },
  };
}
