/** Reports' part of the worker: the activities that write and mail reports, and the sweep that starts missed runs. */
import { join, resolve } from 'node:path';
import { createMailer } from '../../platform/mail/mailer.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { startUnstartedReports } from '../../services/reports/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createReportActivities } from './activities.js';

export const reportsFeature: WorkerFeature<WorkerDeps> = {
  name: 'reports',
  async start(deps) {
    const { config, sql, log, temporal } = deps;
    const mailer = config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : null;
    return {
      activities: createReportActivities({ sql, log, mailer, directory: join(resolve(config.DATA_DIR), 'reports') }),
      sweeps: [
        {
          name: 'report sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () => startUnstartedReports(temporal, sql, log, config.START_SWEEP_INTERVAL / 1000),
        },
      ],
      close: () => mailer?.close(),
    };
  },
};
