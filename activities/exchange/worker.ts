/**
 * The exchange's part of the worker: its workflows' activities, one market workflow per pair, and the sweep starting
 * trigger workflows their API request did not.
 */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { ensureMarketWorkflows, startUnstartedTriggers } from '../../services/exchange/client.js';
import { loadPairs } from '../../services/exchange/pairs-store.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createExchangeActivities } from './activities.js';

export const exchangeFeature: WorkerFeature<WorkerDeps> = {
  name: 'exchange',
  async start(deps) {
    const pairs = await loadPairs(deps.sql);
    await ensureMarketWorkflows(
      deps.temporal,
      pairs.map((p) => p.code),
    );
    return {
      activities: createExchangeActivities(deps),
      sweeps: [
        {
          name: 'trigger order sweep',
          everyMs: deps.config.START_SWEEP_INTERVAL,
          run: () => startUnstartedTriggers(deps.temporal, deps.sql, deps.log, deps.config.START_SWEEP_INTERVAL / 1000),
        },
      ],
    };
  },
};
