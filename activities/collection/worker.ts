/**
 * Collection's part of the worker, when the EVM chain is configured: the sweeper and the gas keeper, kept running
 * from start-up, and their activities.
 */
import { ensureGasKeeper, ensureSweeper } from '../../services/collection/client.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createEvmSweeperActivities } from './sweeper/activities.js';
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
    await ensureSweeper(temporal, evm.chain, log);
    return {
      activities: { ...createEvmSweeperActivities({ ...deps, evm }), ...createGasKeeperActivities({ ...deps, evm }) },
    };
  },
};
