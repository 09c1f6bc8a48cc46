/** Recording notifications from workflows (idempotent by key, so retries and replays notify once). */
import { withAmountsWritten } from '../../domain/notifications/amounts.js';
import type { Sql } from '../../platform/db/client.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { notify, type NewNotification } from '../../services/notifications/store.js';
import type { Logger } from '../../platform/log.js';

export function createNotificationActivities(deps: { sql: Sql; log: Logger; currencies: CurrencyCatalog }) {
  /** Workflows name amounts in minor units (they cannot read the catalog); people read them in the currency's scale. */
  async function written(body: NewNotification['body']): Promise<NewNotification['body']> {
    if (!body) return body;
    const scales = new Map((await deps.currencies.all()).map((c) => [c.code, c.scale]));
    return withAmountsWritten(body, (code) => {
      const scale = scales.get(code);
      if (scale === undefined) throw new Error(`a notification names an amount in ${code}, which is no currency`);
      return scale;
    }) as NewNotification['body'];
  }

  return {
    async recordNotification(notification: NewNotification): Promise<void> {
      const stored = await notify(deps.sql, { ...notification, body: await written(notification.body) });
      const level = stored.severity === 'info' ? 'info' : stored.severity === 'warning' ? 'warn' : 'error';
      deps.log[level]({ notification: stored.key, user: stored.userId, kind: stored.kind }, stored.title);
    },
  };
}
