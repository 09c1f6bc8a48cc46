/** Recording notifications from workflows (idempotent by key, so retries and replays notify once). */
import type { Sql } from '../../platform/db/client.js';
import { notify, type NewNotification } from '../../services/notifications/store.js';
import type { Logger } from '../../platform/log.js';

export function createNotificationActivities(deps: { sql: Sql; log: Logger }) {
  return {
    async recordNotification(notification: NewNotification): Promise<void> {
      const stored = await notify(deps.sql, notification);
      const level = stored.severity === 'info' ? 'info' : stored.severity === 'warning' ? 'warn' : 'error';
      deps.log[level]({ notification: stored.key, user: stored.userId, kind: stored.kind }, stored.title);
    },
  };
}
