/** The exchange's part of the worker: the market workflows' activities, and one market workflow per pair. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { ensureMarketWorkflows } from '../../services/exchange/client.js';
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
    return { activities: createExchangeActivities(deps) };
  },
};
