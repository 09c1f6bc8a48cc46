/** What every route can reach: its dependencies and the authenticated caller. */
import type { Connection } from '@temporalio/client';
import type { TemporalTarget } from '../platform/temporal/target.js';
import type { BetEventCache } from '../services/betting/event-cache.js';
import type { BetPlacer } from '../services/betting/placement.js';
import type { Sql } from '../platform/db/client.js';
import type { CurrencyCatalog } from '../services/currencies/catalog.js';
import type { LedgerWriter } from '../services/ledger/writer.js';
import type { Role } from '../services/users-auth/users-store.js';
import type { Logger } from '../platform/log.js';
import type { Network } from '../domain/currencies.js';
import type { WithdrawalTimings } from '../services/withdrawals/client.js';
import type { CustodyWalletAddresses } from '../services/reconciliation/client.js';
import type { Tokens } from '../services/users-auth/tokens.js';
import type { UserDirectory } from '../services/users-auth/directory.js';
import type { SettingsResolver } from '../services/settings/client.js';
import type { DepositAddressProvider } from '../services/deposits/addresses.js';
import type { ChainReaders } from '../chains/withdrawals/payout-proof.js';
import type { ApiMetrics } from './http/metrics.js';
import type { ExchangeService } from '../services/exchange/service.js';
import type { AccountSettings, WebhookSettings } from '../platform/config.js';
import type { AttemptThrottle, AuthThrottlePolicies } from '../services/security/client.js';
import type { ApiKeyNonces } from '../services/users-auth/api-key-nonces.js';
import type { Mailer } from '../platform/mail/mailer.js';
import type { KycProviderClient } from '../services/verification/provider-client.js';
import type { InvoiceSettings } from '../services/invoices/settings.js';
import type { CurrentRates } from '../services/rates/client.js';
import type { QuoteWriter } from '../services/fast-exchange/quotes-store.js';
import type { TelegramBotSettings } from '../platform/telegram/bot-api.js';
import type { BroadcastSettings } from '../services/notifications/client.js';

export interface ApiDeps {
  sql: Sql;
  ledger: LedgerWriter;
  currencies: CurrencyCatalog;
  tokens: Tokens;
  /** Users and API keys in memory, forgotten when their rows change: what authenticates every request. */
  users: UserDirectory;
  /** Effective settings (limits, fees, on/off) per operation, subject and user; layers in memory until they change. */
  operationSettings: SettingsResolver;
  /** The connection too: queries carry a deadline of their own. */
  temporal: TemporalTarget & { connection: Connection };
  /** `withdrawalCodes`: a repeated confirmation is recognised by its code's digest, as the worker checks it. */
  keys: { totp: Buffer; apiKeys: Buffer; emailLinks: Buffer; alertRoutes: Buffer; withdrawalCodes: Buffer };
  settings: {
    apiKeyWindowSeconds: number;
    trustProxy: boolean;
    devMode: boolean;
    withdrawals: WithdrawalTimings;
    /** The custody wallets the configuration names: withdrawals to them are refused at request. */
    custodyWallets: CustodyWalletAddresses;
    console: ConsoleSettings;
    /** Email verification and password reset: link base, lifetimes, whether withdrawals need a verified email. */
    accounts: AccountSettings;
    invoices: InvoiceSettings;
    /** The Telegram bot (null: not configured) and how broadcasts are paged and paced. */
    notifications: NotificationApiSettings;
  };
  /** Account mail (verification and reset links); null without SMTP_URL. */
  mailer: Mailer | null;
  /** The KYC provider (SumSub's API), its webhook secret and levels; null when not configured. */
  kyc: { provider: KycProviderClient; webhookSecret: string; levels: Array<{ name: string; level: number }> } | null;
  metrics: ApiMetrics;
  log: Logger;
  /** Who hands out deposit addresses on each network (HD wallets on EVM, destination tags on XRPL). */
  depositAddresses: Partial<Record<Network, DepositAddressProvider>>;
  /** The EVM chain deposits are collected on, when configured. */
  evm?: EvmApi;
  /** The chains a payout an operator cites is read on (closing a withdrawal as succeeded); null where not configured. */
  chains: ChainReaders;
  /** Bet placement's hot path: the open-event cache and the batching placer. */
  betting: { events: BetEventCache; placer: BetPlacer };
  /** Spot orders: this process's matching engines (one per pair it leads) behind the exchange's service. */
  exchange: ExchangeService;
  /** The current exchange rates in memory (read again every second): quotes, conversions, rate locks. */
  rates: CurrentRates;
  /** Fast exchange's quotes, inserted in batches. */
  fastExchange: { quotes: QuoteWriter };
  /** Merchant webhooks: the sealing key of endpoint secrets, where endpoints may point, the retry schedule. */
  webhooks: WebhookSettings & { key: Buffer };
  /** Attempt throttling, API key nonces and the HTTP hardening settings (api/http/hardening.ts). */
  security: ApiSecurity;
}

export interface ApiSecurity {
  throttle: AttemptThrottle;
  throttlePolicies: AuthThrottlePolicies;
  nonces: ApiKeyNonces;
  /** Origins allowed to call from a browser (CORS); empty: none. */
  corsOrigins: string[];
  requestTimeoutMs: number;
  maxBodyBytes: number;
}

export interface ConsoleSettings {
  sessionTtlSeconds: number;
  /** The Temporal web UI the console links workflows to, and the namespace they run in. */
  temporalUi: { url: string; namespace: string };
}

export interface NotificationApiSettings {
  telegram: TelegramBotSettings | null;
  broadcast: BroadcastSettings;
}

export interface EvmApi {
  /** `evm-<chainId>`. */
  chain(): Promise<string>;
}

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  via: 'jwt' | 'api_key';
}

export type AppEnv = { Variables: { user: AuthUser } };
