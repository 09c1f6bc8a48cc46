/** Betting's part of the worker: the activities that close and settle bet events. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createBetActivities } from './activities.js';

export const bettingFeature: WorkerFeature<WorkerDeps> = {
  name: 'betting',
  start: async (deps) => ({ activities: createBetActivities(deps) }),
};
