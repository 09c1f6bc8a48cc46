/**
 * Collection's part of the worker, when the EVM chain is configured: the gas keeper, kept running from start-up, and
 * the activities of the collectors and the gas keeper.
 */
import { ensureGasKeeper } from '../../services/collection/client.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createEvmCollectorActivities } from './collector/activities.js';
import { createGasKeeperActivities } from './gas-keeper.js';

export const collectionFeature: WorkerFeature<WorkerDeps> = {
  name: 'collection',
  async start(deps) {
    const { evm, temporal, log } = deps;
    if (!evm) {
      log.info('EVM collection is off: set EVM_RPC_URL and EVM_DEPOSIT_MNEMONIC to run it');
      return { activities: {} };
    }
    await ensureGasKeeper(temporal, evm.chain, evm.gasKeeperSettings, log);
    return {
      activities: { ...createEvmCollectorActivities({ ...deps, evm }), ...createGasKeeperActivities({ ...deps, evm }) },
    };
  },
};
