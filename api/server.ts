/** Builds the API's dependencies from configuration and serves the app over HTTP. */
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { BetEventCache } from '../services/betting/event-cache.js';
import { BetPlacer } from '../services/betting/placement.js';
import { createSql } from '../platform/db/client.js';
import { CurrencyCatalog } from '../services/currencies/catalog.js';
import { LedgerWriter } from '../services/ledger/writer.js';
import { migrate } from '../platform/db/migrate.js';
import { ensureDepositAccount } from '../services/xrpl-tracking/accounts-store.js';
import {
  accountSettings,
  consoleSettings,
  kycSettings,
  notificationSettings,
  required,
  securitySettings,
  telegramBot,
  webhookSettings,
  withdrawalTimings,
  type Config,
} from '../platform/config.js';
import { createMailer } from '../platform/mail/mailer.js';
import { KycProviderClient } from '../services/verification/provider-client.js';
import type { Logger } from '../platform/log.js';
import { retryUntilConnected } from '../platform/retry.js';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { startApiCaches } from './caches.js';
import type { ApiDeps } from './context.js';
import { attachMarketSocket } from './exchange/market-socket.js';
import { deriveKey } from '../platform/crypto/sealed.js';
import { Tokens } from '../services/users-auth/tokens.js';
import { ensureAdmin } from '../services/users-auth/bootstrap-admin.js';
import { EvmDepositAddresses } from '../services/deposits/evm-addresses.js';
import { createEvmProvider } from '../chains/evm/provider.js';
import { XrplConnection } from '../chains/xrpl/connection.js';
import { createApiMetrics, observeBetBatches } from './http/metrics.js';
import { xrplDepositAddresses } from '../services/deposits/xrpl-addresses.js';
import { Markets } from '../services/exchange/markets.js';
import { loadPairs } from '../services/exchange/pairs-store.js';
import { ExchangeService } from '../services/exchange/service.js';
import { signalTriggerFailed, signalTriggerFired } from '../services/exchange/client.js';
import { QuoteWriter } from '../services/fast-exchange/quotes-store.js';
import { AttemptThrottle, authThrottlePolicies } from '../services/security/client.js';
import { ApiKeyNonces } from '../services/users-auth/api-key-nonces.js';
import { invoiceSettings } from '../services/invoices/settings.js';
import { configuredCustodyAddresses } from '../services/reconciliation/client.js';
import { requestConnection } from '../platform/temporal/request-connection.js';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/**
 * The API's start-up work, done once before it serves: migrations, the XRPL deposit account, the first admin. Several
 * API processes of a cluster leave it to their primary (api/cluster.ts), so none of them races another for it.
 */
export async function prepareApi(config: Config, log: Logger): Promise<void> {
  const sql = createSql(required(config, 'DATABASE_URL'), { max: 1, applicationName: 'sluice-api-start' });
  try {
    await retryUntilConnected(log, 'the database', () => migrate(sql));
    if (config.XRPL_DEPOSIT_ADDRESS) await ensureDepositAccount(sql, config.XRPL_DEPOSIT_ADDRESS);
    await ensureAdmin(
      sql,
      { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, devMode: config.SLUICE_ENV === 'dev' },
      log,
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Serves the API in this process; `prepareApi` must have run (here or in the cluster's primary). */
export async function startApiServer(config: Config, log: Logger): Promise<RunningApi> {
  const metrics = createApiMetrics();
  const databaseUrl = required(config, 'DATABASE_URL');
  const sql = createSql(databaseUrl, {
    max: config.DATABASE_POOL_MAX,
    applicationName: 'sluice-api',
    onStatement: () => metrics.sqlStatements.inc(),
  });
  const secretKey = required(config, 'SECRET_KEY');

  const keys = {
    totp: deriveKey(secretKey, 'totp'),
    apiKeys: deriveKey(secretKey, 'api-keys'),
    emailLinks: deriveKey(secretKey, 'email-links'),
    alertRoutes: deriveKey(secretKey, 'alert-routes'),
    withdrawalCodes: deriveKey(secretKey, 'withdrawal-codes'),
  };
  const caches = startApiCaches(sql, databaseUrl, keys.apiKeys, log);
  const evmProvider = config.EVM_RPC_URL ? createEvmProvider(config.EVM_RPC_URL) : null;
  const evmDeposits =
    evmProvider && config.EVM_DEPOSIT_MNEMONIC
      ? new EvmDepositAddresses(sql, config.EVM_DEPOSIT_MNEMONIC, evmProvider, config.EVM_CHAIN_ID)
      : undefined;
  // connected on first use only: an operator's close of an XRP withdrawal
  const xrpl = new XrplConnection(config.XRPL_URL, log.child({ component: 'xrpl' }));
  const connection = requestConnection(required(config, 'TEMPORAL_ADDRESS'));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const temporal = { client, taskQueue: config.TEMPORAL_TASK_QUEUE };
  // the matching engines run here, one per pair, each led by one API process at a time (ARCHITECTURE.md, "Exchange");
  // a trigger its engine fires is told so by a signal, the only one it gets
  const markets = new Markets(sql, databaseUrl, log, undefined, {
    onFired: (triggerId, orderId, leg) => signalTriggerFired(temporal, triggerId, orderId, leg),
    onFailed: (triggerId, reason) => signalTriggerFailed(temporal, triggerId, reason),
  });
  markets.start(await loadPairs(sql));
  const security = securitySettings(config);
  const nonces = new ApiKeyNonces(sql, config.API_KEY_WINDOW_SECONDS, log);
  const deps: ApiDeps = {
    sql,
    ledger: new LedgerWriter(sql, config.WRITE_BATCHES_IN_FLIGHT),
    currencies: new CurrencyCatalog(sql),
    tokens: new Tokens({
      secretKey,
      accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    }),
    temporal: { connection, client, taskQueue: config.TEMPORAL_TASK_QUEUE },
    users: caches.users,
    operationSettings: caches.operationSettings,
    keys,
    settings: {
      apiKeyWindowSeconds: config.API_KEY_WINDOW_SECONDS,
      trustProxy: config.TRUST_PROXY,
      devMode: config.SLUICE_ENV === 'dev',
      withdrawals: withdrawalTimings(config),
      custodyWallets: configuredCustodyAddresses(config),
      console: consoleSettings(config),
      accounts: accountSettings(config),
      invoices: invoiceSettings(config),
      notifications: { telegram: telegramBot(config), broadcast: notificationSettings(config).broadcast },
    },
    mailer: config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : null,
    kyc: kycClient(kycSettings(config)),
    metrics,
    log,
    depositAddresses: {
      ...(config.XRPL_DEPOSIT_ADDRESS ? { xrpl: xrplDepositAddresses(sql, config.XRPL_DEPOSIT_ADDRESS) } : {}),
      ...(evmDeposits ? { evm: evmDeposits } : {}),
    },
    evm: evmDeposits,
    chains: { evm: evmProvider, xrpl },
    betting: {
      events: new BetEventCache(sql, config.BET_EVENT_CACHE_MS),
      placer: new BetPlacer(sql, {
        batchesInFlight: config.WRITE_BATCHES_IN_FLIGHT,
        onBatch: observeBetBatches(metrics),
      }),
    },
    exchange: new ExchangeService(sql, markets, { temporal, log }),
    rates: caches.rates,
    fastExchange: { quotes: new QuoteWriter(sql) },
    webhooks: { ...webhookSettings(config), key: deriveKey(secretKey, 'webhooks') },
    security: {
      ...security,
      throttle: new AttemptThrottle(sql),
      throttlePolicies: authThrottlePolicies(security.throttle),
      nonces,
    },
  };
  const app = createApp(deps);

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
    s.once('error', reject);
  });
  const marketSocket = attachMarketSocket(server as Server, deps);
  const url = `http://${config.HOST}:${config.PORT}`;
  log.info({ url }, 'API listening');
  return {
    url,
    async close() {
      for (const client of marketSocket.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await markets.close();
      nonces.close();
      deps.mailer?.close();
      await Promise.allSettled([caches.close(), sql.end({ timeout: 5 }), connection.close(), xrpl.close()]);
    },
  };
}

function kycClient(settings: ReturnType<typeof kycSettings>): ApiDeps['kyc'] {
  return settings && { ...settings, provider: new KycProviderClient(settings.provider) };
}
