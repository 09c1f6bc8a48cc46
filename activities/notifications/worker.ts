/** Notifications' part of the worker: the activity through which workflows tell users things. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createNotificationActivities } from './activities.js';

export const notificationsFeature: WorkerFeature<WorkerDeps> = {
  name: 'notifications',
  start: async (deps) => ({ activities: createNotificationActivities(deps) }),
};
