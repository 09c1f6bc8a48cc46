/**
 * The features the worker runs, in start-up order: the one composition file a new feature adds itself to (its
 * contribution lives in activities/<feature>/worker.ts).
 */
import type { WorkerFeature } from '../platform/worker-feature.js';
import { auditFeature } from './audit/worker.js';
import { bettingFeature } from './betting/worker.js';
import { collectionFeature } from './collection/worker.js';
import { depositsFeature } from './deposits/worker.js';
import { exchangeFeature } from './exchange/worker.js';
import { invoicesFeature } from './invoices/worker.js';
import { notificationsFeature } from './notifications/worker.js';
import { ratesFeature } from './rates/worker.js';
import { webhooksFeature } from './webhooks/worker.js';
import { reconciliationFeature } from './reconciliation/worker.js';
import { reportsFeature } from './reports/worker.js';
import { usersAuthFeature } from './users-auth/worker.js';
import { withdrawalsFeature } from './withdrawals/worker.js';
import type { WorkerDeps } from './worker-deps.js';
import { xrplTrackingFeature } from './xrpl-tracking/worker.js';

export const workerFeatures: Array<WorkerFeature<WorkerDeps>> = [
  auditFeature,
  collectionFeature,
  withdrawalsFeature,
  depositsFeature,
  xrplTrackingFeature,
  bettingFeature,
  notificationsFeature,
  exchangeFeature,
  invoicesFeature,
  ratesFeature,
  webhooksFeature,
  reportsFeature,
  reconciliationFeature,
  usersAuthFeature,
];
