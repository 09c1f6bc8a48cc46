/** Every activity the worker registers, built from its dependencies. */
import type { Sql } from '../db/client.js';
import type { Logger } from '../workers/log.js';
import { createAuditActivities } from './audit.js';
import { createBetActivities } from './bets.js';
import { createDepositActivities } from './deposits.js';
import { createNotificationActivities } from './notifications.js';

export interface ActivityDeps {
  sql: Sql;
  log: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAuditActivities(deps),
    ...createDepositActivities(deps),
    ...createNotificationActivities(deps),
    ...createBetActivities(deps),
  };
}
