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
import { QuoteWriter } from '../../services/fast-exchange/quotes-store.js';
import { Tokens } from '../../services/users-auth/tokens.js';
import { AttemptThrottle, authThrottlePolicies } from '../../services/security/client.js';
import { ApiKeyNonces } from '../../services/users-auth/api-key-nonces.js';
import { loadConfig, securitySettings } from '../../platform/config.js';

export async function inProcessDeps(
  sql: Sql,
  url: string,
  connection: Connection,
): Promise<{ deps: ApiDeps; caches: ApiCaches; close(): Promise<void> }> {
  const secretKey = randomBytes(32).toString('hex');
  const log = pino({ level: 'silent' });
  const keys = {
    totp: deriveKey(secretKey, 'totp'),
    apiKeys: deriveKey(secretKey, 'api-keys'),
    emailLinks: deriveKey(secretKey, 'email-links'),
    alertRoutes: deriveKey(secretKey, 'alert-routes'),
    withdrawalCodes: deriveKey(secretKey, 'withdrawal-codes'),
  };
  const caches = startApiCaches(sql, url, keys.apiKeys, log);
  const markets = new Markets(sql, url, log);
  markets.start(await loadPairs(sql));
  const security = securitySettings(loadConfig({ REGISTER_IP_FREE: '1000000', REGISTER_IP_LOCKOUT_AFTER: '1000000' }));
  const nonces = new ApiKeyNonces(sql, 60, log);
  const deps: ApiDeps = {
    sql,
    ledger: new LedgerWriter(sql),
    currencies: new CurrencyCatalog(sql),
    tokens: new Tokens({ secretKey, accessTtlSeconds: 900, refreshTtlSeconds: 3600 }),
    temporal: { connection, client: new Client({ connection, namespace: 'default' }), taskQueue: 'unused' },
    users: caches.users,
    operationSettings: caches.operationSettings,
    keys,
    settings: {
      apiKeyWindowSeconds: 60,
      trustProxy: true,
      devMode: false,
      withdrawals: { confirmTtlMs: 600_000, approvalTtlMs: 86_400_000, pollIntervalMs: 30_000 },
      custodyWallets: { evm: new Set(), xrpl: new Set() },
      console: { sessionTtlSeconds: 3_600, temporalUi: { url: 'http://localhost:8233', namespace: 'default' } },
      accounts: {
        publicUrl: 'http://localhost:8080',
        emailVerificationTtlMs: 86_400_000,
        resendIntervalMs: 60_000,
        passwordResetTtlMs: 3_600_000,
        emailChangeTtlMs: 3_600_000,
        withdrawalsRequireVerifiedEmail: false,
        telegram: null,
      },
      invoices: {
        feePpm: 10_000n,
        conversionFeePpm: 5_000n,
        monitoringWindowMs: 3_600_000,
        minUsd: 1n,
        maxUsd: 10_000_000n,
        publicUrl: 'https://pay.sluice.test',
      },
      notifications: { telegram: null, broadcast: { pageSize: 200, ratePerSecond: { email: 20, telegram: 25 } } },
    },
    mailer: null,
    kyc: null,
    metrics: createApiMetrics(),
    log,
    depositAddresses: {},
    chains: { evm: null, xrpl: null },
    betting: { events: new BetEventCache(sql, 1_000), placer: new BetPlacer(sql) },
    exchange: new ExchangeService(sql, markets),
    rates: caches.rates,
    fastExchange: { quotes: new QuoteWriter(sql) },
    webhooks: { allowPrivateTargets: false, retryDelaysMs: undefined, key: deriveKey(secretKey, 'webhooks') },
    security: {
      ...security,
      throttle: new AttemptThrottle(sql),
      throttlePolicies: authThrottlePolicies(security.throttle),
      nonces,
    },
  };
  return {
    deps,
    caches,
    async close() {
      await markets.close();
      nonces.close();
      await caches.close();
    },
  };
}
