/** Reports' part of the worker: the activities that write, mail and announce reports, and the sweep that starts missed runs. */
import { publicUrl } from '../../platform/config.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { startUnstartedReports } from '../../services/reports/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createReportActivities } from './activities.js';

export const reportsFeature: WorkerFeature<WorkerDeps> = {
  name: 'reports',
  async start(deps) {
    const { config, sql, log, temporal } = deps;
    return {
      activities: createReportActivities({ sql, log, mailer: deps.mailer, publicUrl: publicUrl(config) }),
      sweeps: [
        {
          name: 'report sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () => startUnstartedReports(temporal, sql, log, config.START_SWEEP_INTERVAL / 1000),
        },
      ],
    };
  },
};
