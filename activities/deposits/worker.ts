/** Deposits' part of the worker: crediting activities, and the EVM deposit workflow's when the EVM chain is configured. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { DepositCreditor } from '../../services/deposits/creditor.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createDepositActivities } from './credit.js';
import { createEvmDepositActivities } from './evm.js';

export const depositsFeature: WorkerFeature<WorkerDeps> = {
  name: 'deposits',
  start: async (deps) => {
    // one creditor per worker: every credit activity of the process shares its batches
    const withCreditor = { ...deps, creditor: new DepositCreditor(deps.sql) };
    return {
      activities: {
        ...createDepositActivities(withCreditor),
        ...(deps.evm ? createEvmDepositActivities(withCreditor) : {}),
      },
    };
  },
};
