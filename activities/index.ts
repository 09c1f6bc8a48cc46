/** Every activity the worker registers, built from its dependencies. */
import type { XrplConnection } from '../chains/xrpl/connection.js';
import type { Sql } from '../db/client.js';
import type { Logger } from '../workers/log.js';
import { createAuditActivities } from './audit.js';
import { createDepositActivities } from './deposits.js';
import { createNotificationActivities } from './notifications.js';
import { createXrplActivities } from './xrpl.js';

export interface ActivityDeps {
  sql: Sql;
  log: Logger;
  xrpl: XrplConnection;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAuditActivities(deps),
    ...createDepositActivities(deps),
    ...createNotificationActivities(deps),
    ...createXrplActivities(deps),
  };
}
