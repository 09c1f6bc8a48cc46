/**
 * Betting's part of the worker: the activities that close and settle bet events, and the sweep that starts the
 * workflow of an event whose API process died between storing it and starting it.
 */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { startUnstartedBetEvents } from '../../services/betting/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createBetActivities } from './activities.js';

export const bettingFeature: WorkerFeature<WorkerDeps> = {
  name: 'betting',
  start: async (deps) => ({
    activities: createBetActivities(deps),
    sweeps: [
      {
        name: 'bet event sweep',
        everyMs: deps.config.START_SWEEP_INTERVAL,
        run: () =>
          startUnstartedBetEvents(
            deps.temporal.client,
            deps.sql,
            deps.temporal.taskQueue,
            deps.log,
            deps.config.START_SWEEP_INTERVAL / 1000,
          ),
      },
    ],
  }),
};
