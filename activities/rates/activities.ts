/** The rates refresh's activity: idempotent in effect (a second run appends the same rates again, a little later). */
import type { Logger } from '../../platform/log.js';
import type { Sql } from '../../platform/db/client.js';
import type { ExchangeTickers } from '../../services/rates/exchange-tickers.js';
import { refreshRates, type RefreshSummary } from '../../services/rates/refresh.js';

export function createRatesActivities(deps: { sql: Sql; log: Logger; tickers: ExchangeTickers }) {
  return {
    async refreshRates(): Promise<RefreshSummary> {
      const summary = await refreshRates(deps.sql, deps.tickers);
      if (summary.failed.length > 0) deps.log.warn({ failed: summary.failed }, 'some rates could not be refreshed');
      return summary;
    },
  };
}
