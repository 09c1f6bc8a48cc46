/**
 * The API's dependencies for an in-process app on a given database (route tests, benches): no EVM, no XRPL. Its
 * caches listen for changes on a connection of their own (`url`), and the pairs' matching engines run in it; `close`
 * stops both.
 */
import { randomBytes } from 'node:crypto';
import { Client, type Connection } from '@temporalio/client';
import pino from 'pino';
import { startApiCaches, type ApiCaches } from '../../api/caches.js';
import type { ApiDeps } from '../../api/context.js';
import { createApiMetrics } from '../../api/http/metrics.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import type { Sql } from '../../platform/db/client.js';
import { BetEventCache } from '../../services/betting/event-cache.js';
import { BetPlacer } from '../../services/betting/placement.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { Markets } from '../../services/exchange/markets.js';
import { loadPairs } from '../../services/exchange/pairs-store.js';
import { ExchangeService } from '../../services/exchange/service.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { Tokens } from '../../services/users-auth/tokens.js';

export async function inProcessDeps(
  sql: Sql,
  url: string,
  connection: Connection,
): Promise<{ deps: ApiDeps; caches: ApiCaches; close(): Promise<void> }> {
  const secretKey = randomBytes(32).toString('hex');
  const log = pino({ level: 'silent' });
  const keys = { totp: deriveKey(secretKey, 'totp'), apiKeys: deriveKey(secretKey, 'api-keys') };
  const caches = startApiCaches(sql, url, keys.apiKeys, log);
  const markets = new Markets(sql, url, log);
  markets.start(await loadPairs(sql));
  const deps: ApiDeps = {
    sql,
    ledger: new LedgerWriter(sql),
    currencies: new CurrencyCatalog(sql),
    tokens: new Tokens({ secretKey, accessTtlSeconds: 900, refreshTtlSeconds: 3600 }),
    temporal: { connection, client: new Client({ connection, namespace: 'default' }), taskQueue: 'unused' },
    users: caches.users,
    transferRules: caches.transferRules,
    keys,
    settings: {
      apiKeyWindowSeconds: 60,
      trustProxy: true,
      devMode: false,
      withdrawals: { confirmTtlMs: 600_000, approvalTtlMs: 86_400_000, pollIntervalMs: 30_000 },
      console: { sessionTtlSeconds: 3_600, temporalUi: { url: 'http://localhost:8233', namespace: 'default' } },
      notifications: { telegram: null, broadcast: { pageSize: 200, ratePerSecond: { email: 20, telegram: 25 } } },
    },
    metrics: createApiMetrics(),
    log,
    depositAddresses: {},
    betting: { events: new BetEventCache(sql, 1_000), placer: new BetPlacer(sql) },
    exchange: new ExchangeService(sql, markets),
  };
  return {
    deps,
    caches,
    async close() {
      await markets.close();
      await caches.close();
    },
  };
}
