/** The audit's part of the worker: the Temporal Schedule that runs the ledger audit, and the audit's activities. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { ensureAuditSchedule } from '../../services/audit/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createAuditActivities } from './activities.js';

export const auditFeature: WorkerFeature<WorkerDeps> = {
  name: 'audit',
  async start(deps) {
    await ensureAuditSchedule(deps.temporal, deps.config.LEDGER_AUDIT_INTERVAL_MINUTES, deps.log);
    return { activities: createAuditActivities(deps) };
  },
};
