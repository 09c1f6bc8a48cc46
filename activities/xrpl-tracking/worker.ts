/** XRPL tracking's part of the worker: the activities that page watched accounts' histories. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createXrplActivities } from './activities.js';

export const xrplTrackingFeature: WorkerFeature<WorkerDeps> = {
  name: 'xrpl-tracking',
  start: async (deps) => ({ activities: createXrplActivities(deps) }),
};
