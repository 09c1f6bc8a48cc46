/** The rates' part of the worker: the refresh schedule, and the refresh activity with its ccxt exchanges. */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { ensureRatesRefreshSchedule } from '../../services/rates/client.js';
import { ExchangeTickers } from '../../services/rates/exchange-tickers.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createRatesActivities } from './activities.js';

export const ratesFeature: WorkerFeature<WorkerDeps> = {
  name: 'rates',
  async start(deps) {
    await ensureRatesRefreshSchedule(deps.temporal, deps.config.RATES_REFRESH_INTERVAL, deps.log);
    const tickers = new ExchangeTickers(deps.config.RATES_EXCHANGE_URLS);
    return { activities: createRatesActivities({ sql: deps.sql, log: deps.log, tickers }) };
  },
};
