/**
 * Configuration from the environment, parsed once with zod. A bad value stops start-up with a message naming the
 * variable; a process asks for the settings it cannot run without with `required`.
 */
import { isValidClassicAddress, Wallet } from 'xrpl';
import { z } from 'zod';
import { defaultReplaySlots, WORKFLOW_THREADS, WorkflowTaskSlots } from './temporal/workflow-task-slots.js';

/** A list of decimal amounts per currency code, such as `ETH=0.01,USDT=5`. */
function amountsPerCurrency(example: string) {
  return z
    .string()
    .regex(/^[A-Z][A-Z0-9]{1,9}=\d+(\.\d+)?(,[A-Z][A-Z0-9]{1,9}=\d+(\.\d+)?)*$/, `must be a list such as "${example}"`);
}

/** `ETH=0.01,USDT=5` (checked by `amountsPerCurrency`) → decimal strings per currency code, scaled by the caller. */
export function parseAmountsPerCurrency(text: string): Map<string, string> {
  return new Map(text.split(',').map((pair) => pair.split('=') as [string, string]));
}

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL (${protocols.join(' or ')})`,
    );

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** "10m", "90s", "7d", or plain seconds; parsed to milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'must be a duration such as "10m", "90s" or "7d"')
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)?$/.exec(text)!;
    return Number(amount) * UNIT_MS[unit ?? 's']!;
  })
  .refine((ms) => ms >= 1_000, 'must be at least one second');

const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');

/** An amount in a currency's units ("0.5" ETH); converted to minor units where the currency is known. */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as "0.5"');

const variables = z.object({
  SLUICE_ENV: z.enum(['dev', 'production']).default('production'),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  HOST: z.string().min(1).default('127.0.0.1'),
  /** API processes sharing PORT (node:cluster); unset: one per core but one (api/cluster.ts says why). */
  API_PROCESSES: z.coerce.number().int().min(1).max(64).optional(),
  PORT: port.default(8080),
  TRUST_PROXY: bool.default(false),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Group-commit batches of the ledger writer and the bet placer committing at once (platform/db/batch-queue.ts). 1: on
   * 2 cores shared with PostgreSQL, 2 made batches smaller and transfers slower (README, "Benchmark figures").
   */
  WRITE_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(1),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('sluice'),
  TEMPORAL_CLI: z.string().min(1).optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  /** The worker's concurrency (ARCHITECTURE.md, "Worker tuning"): task slots, local activity slots, pollers, cache. */
  WORKER_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).max(10_000).default(300),
  /** Of those, tasks of workflows the worker has not cached (whole runs replayed); unset: what its thread replays in 5 s. */
  WORKER_REPLAY_TASK_SLOTS: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(10_000).default(200),
  WORKER_LOCAL_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(10_000).default(500),
  WORKER_WORKFLOW_POLLERS: z.coerce.number().int().min(2).max(1_000).default(10),
  WORKER_ACTIVITY_POLLERS: z.coerce.number().int().min(1).max(1_000).default(10),
  WORKER_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(2_000),
  /** Where operators open the Temporal web UI; the console links workflows there. Default: this host's dev server UI. */
  TEMPORAL_UI_URL: url(['http:', 'https:']).optional(),
  CONSOLE_SESSION_HOURS: z.coerce.number().int().min(1).max(168).default(12),

  EVM_RPC_URL: url(['http:', 'https:']).optional(),
  EVM_WS_URL: url(['ws:', 'wss:']).optional(),
  USDT_CONTRACT_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
    .optional(),
  XRPL_URL: url(['ws:', 'wss:']).default('wss://xrplcluster.com'),
  XRPL_DEPOSIT_ADDRESS: z.string().trim().refine(isValidClassicAddress, 'must be a classic XRPL address (r…)').optional(),
  XRPL_RECONNECT_MAX_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
  XRPL_STALL_SECONDS: z.coerce.number().min(1).max(3_600).default(60),
  /** The XRP hot wallet that pays withdrawals (a family seed, s…); without it XRP withdrawals wait for an operator. */
  XRPL_HOT_WALLET_SEED: z
    .string()
    .trim()
    .regex(/^s[1-9A-HJ-NP-Za-km-z]{24,34}$/, 'must be an XRPL family seed (s…)')
    .optional(),
  XRPL_HOT_WALLET_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a provider id (lower-case letters, digits, -)')
    .default('xrpl-hot'),

  EVM_CHAIN_ID: z.coerce.number().int().positive().optional(),
  EVM_CONFIRMATIONS: z.coerce.number().int().min(1).max(1_000).default(12),
  EVM_REORG_DEPTH: z.coerce.number().int().min(1).max(10_000).default(64),
  EVM_BLOCK_RANGE: z.coerce.number().int().min(1).max(10_000).default(100),
  EVM_START_BLOCK: z.string().regex(/^\d+$/, 'must be a block number').optional(),
  /** Ether sent to deposit addresses by contracts (inner calls), found in the node's call traces (README, "EVM deposits"). */
  EVM_TRACE_INTERNAL: bool.default(true),
  EVM_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** Signals the EVM listener has in flight at once when it tells deposit workflows what it recorded. */
  EVM_SIGNAL_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(64),
  EVM_DEPOSIT_MNEMONIC: z
    .string()
    .trim()
    .regex(/^([a-z]+ ){11,23}[a-z]+$/, 'must be a BIP-39 mnemonic of 12 to 24 words')
    .optional(),
  COLD_WALLET_ADDRESS: evmAddress.optional(),
  /** Hot wallets paying ETH and token withdrawals, in priority order: `evm-hot-a=0x<key>,evm-hot-b=0x<key>`. */
  EVM_HOT_WALLET_KEYS: z
    .string()
    .trim()
    .regex(
      /^[a-z0-9][a-z0-9-]{0,39}=0x[0-9a-fA-F]{64}(,[a-z0-9][a-z0-9-]{0,39}=0x[0-9a-fA-F]{64})*$/,
      'must be id=0x<private key> pairs separated by commas',
    )
    .optional(),
  GAS_KEEPER_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key')
    .optional(),
  GAS_KEEPER_MIN_BALANCE: decimal.default('0.5'),
  GAS_KEEPER_MAX_FUNDING: decimal.default('0.1'),
  GAS_KEEPER_POLL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  GAS_MARGIN_PERCENT: z.coerce.number().int().min(0).max(1_000).default(10),
  EVM_RESUBMIT_AFTER_SECONDS: z.coerce.number().int().min(5).max(86_400).default(180),
  SWEEP_MINIMUMS: amountsPerCurrency('ETH=0.01,USDT=5').default('ETH=0.001,USDT=1'),

  SECRET_KEY: z.string().min(32, 'must have at least 32 characters').optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must have at least 12 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(90 * 86_400)
    .default(30 * 86_400),
  API_KEY_WINDOW_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),
  /** Sign-in throttling per account and per IP (services/security/throttle.ts): free failures, then doubling delays, then a lockout. */
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(0).max(1_000).default(3),
  LOGIN_LOCKOUT_AFTER: z.coerce.number().int().min(1).max(10_000).default(10),
  LOGIN_LOCKOUT: duration.prefault('15m'),
  LOGIN_IP_FREE_FAILURES: z.coerce.number().int().min(0).max(10_000).default(20),
  LOGIN_IP_LOCKOUT_AFTER: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Registrations per client IP: free ones (forgotten an hour after the last), then doubling waits, then a lockout. */
  REGISTER_IP_FREE: z.coerce.number().int().min(0).max(1_000_000).default(10),
  REGISTER_IP_LOCKOUT_AFTER: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Origins allowed to call the API from a browser, comma-separated (none: no CORS headers at all). */
  CORS_ORIGINS: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*$/, 'must be origins such as "https://app.example.com", comma-separated')
    .optional(),
  /** A request not answered within this is cut short with a 408. */
  REQUEST_TIMEOUT: duration.prefault('30s'),
  /** The largest request body accepted (bytes); a larger one gets a 413. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),

  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Sluice <no-reply@sluice.local>'),
  MAIL_SINK_PORT: port.default(2525),

  /**
   * Where users reach the API: the links in account mail (email verification, password reset) point there, and so do
   * report downloads and invoices' checkout_url.
   */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  EMAIL_VERIFICATION_TTL: duration.prefault('2d'),
  EMAIL_VERIFICATION_RESEND_INTERVAL: duration.prefault('60s'),
  PASSWORD_RESET_TTL: duration.prefault('1h'),
  EMAIL_CHANGE_TTL: duration.prefault('1h'),
  /** Unverified accounts can sign in but cannot withdraw (an operator can mark an email verified). */
  WITHDRAWALS_REQUIRE_VERIFIED_EMAIL: bool.default(true),
  /** How old Login Widget data may be (its auth_date) and still sign in. */
  TELEGRAM_LOGIN_MAX_AGE: duration.prefault('1d'),
  /** The KYC provider (SumSub's REST API): app token and secret key sign requests, the webhook secret its webhooks. */
  SUMSUB_BASE_URL: url(['http:', 'https:']).default('https://api.sumsub.com'),
  SUMSUB_APP_TOKEN: z.string().min(1).optional(),
  SUMSUB_SECRET_KEY: z.string().min(1).optional(),
  SUMSUB_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** The provider's level names and the verification level each grants; the first is the default. */
  KYC_LEVELS: z
    .string()
    .regex(
      /^[A-Za-z0-9_ -]{1,64}=\d{1,2}(,[A-Za-z0-9_ -]{1,64}=\d{1,2})*$/,
      'must be a list such as "basic-kyc-level=1,full-kyc-level=2"',
    )
    .default('basic-kyc-level=1'),
  /** The Telegram bot (notifications, chat linking; Telegram sign-in shares it): token, Bot API base URL, name. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, 'must be a bot token such as "123456:ABC-DEF…" from @BotFather')
    .optional(),
  TELEGRAM_API_URL: url(['http:', 'https:']).default('https://api.telegram.org'),
  TELEGRAM_BOT_USERNAME: z
    .string()
    .regex(/^\w{5,32}$/, "must be the bot's username without the @")
    .optional(),
  /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every webhook update (setWebhook's secret_token). */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[\w-]{16,256}$/, 'must be 16 to 256 letters, digits, _ or -')
    .optional(),
  /** How often the worker routes newly recorded notifications to their channels. */
  NOTIFICATION_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** A delivery's tries (with exponential backoff from the initial interval) before it is logged as failed. */
  NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  NOTIFICATION_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  /** Broadcast sends per second per channel (Telegram allows about 30 messages a second to different chats). */
  BROADCAST_RATE_EMAIL: z.coerce.number().min(0.1).max(10_000).default(20),
  BROADCAST_RATE_TELEGRAM: z.coerce.number().min(0.1).max(10_000).default(25),
  BROADCAST_PAGE_SIZE: z.coerce.number().int().min(1).max(5_000).default(200),

  WITHDRAWAL_CONFIRM_TTL: duration.prefault('10m'),
  WITHDRAWAL_APPROVAL_TTL: duration.prefault('7d'),
  WITHDRAWAL_POLL_INTERVAL: duration.prefault('30s'),
  /** Invoices: the fee on a settled invoice and the conversion fee on paying in another currency, in percent. */
  INVOICE_FEE_PERCENT: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percentage such as "1" or "0.25"')
    .default('1'),
  INVOICE_CONVERSION_FEE_PERCENT: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percentage such as "0.5"')
    .default('0.5'),
  /** After an invoice's deadline, how long a payment seen in time may take to be final before the invoice is invalid. */
  INVOICE_MONITORING_WINDOW: duration.prefault('1h'),
  /** An invoice's amount, converted to USD at the current rate, must lie within these. */
  INVOICE_MIN_USD: decimal.default('0.01'),
  INVOICE_MAX_USD: decimal.default('100000'),
  /** How often the worker looks for held withdrawals whose workflow was never started (and how old they must be). */
  START_SWEEP_INTERVAL: duration.prefault('15s'),

  /** Webhooks to private, loopback and link-local addresses: refused unless set; dev stacks allow them by default. */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.optional(),
  /** The waits before each webhook retry ("10s,1m,10m"); BTCPay's schedule unless set. Shortened by benches and tests only. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\d+(ms|s|m|h)(,\d+(ms|s|m|h)){0,19}$/, 'must be a list of durations such as "10s,1m,10m"')
    .transform((text) =>
      text.split(',').map((part) => {
        const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(part)!;
        return Number(amount) * UNIT_MS[unit!]!;
      }),
    )
    .optional(),

  LEDGER_AUDIT_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  /** How often the rates refresh schedule runs (every pair's source read again, history appended). */
  RATES_REFRESH_INTERVAL: duration.prefault('10s'),
  /**
   * Points a ccxt exchange's API at another origin (a proxy, or a test double): `binance=http://127.0.0.1:9000,…`.
   * Pairs are priced from an exchange only when an operator sets an external source; the dev stack has none.
   */
  RATES_EXCHANGE_URLS: z
    .string()
    .regex(
      /^[a-z][a-z0-9]{1,29}=https?:\/\/[^,=\s]+(,[a-z][a-z0-9]{1,29}=https?:\/\/[^,=\s]+)*$/,
      'must be exchange=URL pairs separated by commas',
    )
    .transform((text) => Object.fromEntries(text.split(',').map((entry) => entry.split('=') as [string, string])))
    .default({}),
  RECONCILIATION_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  /** Unexplained drift above these (per currency, in its units) alerts; unlisted currencies alert on any drift. */
  RECONCILIATION_DRIFT_THRESHOLDS: amountsPerCurrency('ETH=0.01,XRP=1').optional(),
  BET_EVENT_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),

  DEV_POSTGRES_PORT: port.default(54329),
  DEV_TEMPORAL_PORT: port.default(7233),
  DEV_ANVIL_PORT: port.default(8545),
  /** The dev stack's restarts of a process that died: first delay (doubling each time) and how many in a row. */
  DEV_RESTART_BACKOFF_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  DEV_MAX_RESTARTS: z.coerce.number().int().min(0).max(100).default(5),
  /** Processes of workers/ the dev stack does not run (its own tests skip the slow ones): `worker,listener-xrpl`. */
  DEV_SKIP_PROCESSES: z
    .string()
    .regex(
      /^(mail-sink|worker|listener-evm|listener-xrpl)(,(mail-sink|worker|listener-evm|listener-xrpl))*$/,
      'must be a list of mail-sink, worker, listener-evm, listener-xrpl',
    )
    .optional(),
});

const schema = variables.superRefine((config, context) => {
  // a payout from the deposit account to a user's tag would be a payment to itself, which the XRP Ledger refuses
  // (temREDUNDANT): the withdrawal would wait for an operator with its funds held. Named by the address, not the seed,
  // whose value a configuration error must not print
  const seed = config.XRPL_HOT_WALLET_SEED;
  if (seed && config.XRPL_DEPOSIT_ADDRESS && Wallet.fromSeed(seed).classicAddress === config.XRPL_DEPOSIT_ADDRESS) {
    context.addIssue({
      code: 'custom',
      path: ['XRPL_DEPOSIT_ADDRESS'],
      message: "must not be the XRP hot wallet's address (XRPL_HOT_WALLET_SEED): withdrawals are paid from another account",
    });
  }
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      return `  ${name}: ${issue.message}${name in present ? ` (got "${present[name]}")` : ''}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The value of a setting this process cannot run without. */
export function required<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined || value === null) throw new ConfigError(`Invalid configuration:\n  ${name}: is required`);
  return value as NonNullable<Config[K]>;
}

/** For settings checked after parsing (a key, a mnemonic): exits with the message, as a parse error does. */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

/** Parses the configuration or exits with the message: the entry points' first line. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/** The withdrawal workflow's clocks, as the API and the worker's sweep pass them to it. */
export function withdrawalTimings(config: Config) {
  return {
    confirmTtlMs: config.WITHDRAWAL_CONFIRM_TTL,
    approvalTtlMs: config.WITHDRAWAL_APPROVAL_TTL,
    pollIntervalMs: config.WITHDRAWAL_POLL_INTERVAL,
  };
}

/** Where people reach the API: links in mail and messages start here. */
export const publicUrl = (config: Config) => (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');

/** Email verification, password reset and changes of address, as the API runs them. */
export function accountSettings(config: Config) {
  return {
    publicUrl: publicUrl(config),
    emailVerificationTtlMs: config.EMAIL_VERIFICATION_TTL,
    resendIntervalMs: config.EMAIL_VERIFICATION_RESEND_INTERVAL,
    passwordResetTtlMs: config.PASSWORD_RESET_TTL,
    emailChangeTtlMs: config.EMAIL_CHANGE_TTL,
    withdrawalsRequireVerifiedEmail: config.WITHDRAWALS_REQUIRE_VERIFIED_EMAIL,
    telegram: config.TELEGRAM_BOT_TOKEN
      ? { botToken: config.TELEGRAM_BOT_TOKEN, maxAgeSeconds: config.TELEGRAM_LOGIN_MAX_AGE / 1000 }
      : null,
  };
}

export type AccountSettings = ReturnType<typeof accountSettings>;

/** The KYC provider's settings, when all three secrets are set. */
export function kycSettings(config: Config) {
  if (!config.SUMSUB_APP_TOKEN || !config.SUMSUB_SECRET_KEY || !config.SUMSUB_WEBHOOK_SECRET) return null;
  return {
    provider: {
      baseUrl: config.SUMSUB_BASE_URL.replace(/\/$/, ''),
      appToken: config.SUMSUB_APP_TOKEN,
      secretKey: config.SUMSUB_SECRET_KEY,
    },
    webhookSecret: config.SUMSUB_WEBHOOK_SECRET,
    levels: config.KYC_LEVELS.split(',').map((pair) => {
      const [name, level] = pair.split('=') as [string, string];
      return { name, level: Number(level) };
    }),
  };
}
/** Where webhooks may go, and their retry schedule when it is not BTCPay's (undefined). */
export function webhookSettings(config: Config) {
  return {
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? config.SLUICE_ENV === 'dev',
    retryDelaysMs: config.WEBHOOK_RETRY_SCHEDULE,
  };
}

export type WebhookSettings = ReturnType<typeof webhookSettings>;

/** The worker's concurrency knobs, as `Worker.create` takes them: a fresh slot supplier for each worker. */
export function workerTuning(config: Config) {
  const replays = Math.min(config.WORKER_REPLAY_TASK_SLOTS ?? defaultReplaySlots(), config.WORKER_WORKFLOW_TASK_SLOTS);
  return {
    tuner: {
      workflowTaskSlotSupplier: new WorkflowTaskSlots(config.WORKER_WORKFLOW_TASK_SLOTS, replays),
      activityTaskSlotSupplier: { type: 'fixed-size' as const, numSlots: config.WORKER_ACTIVITY_SLOTS },
      localActivityTaskSlotSupplier: { type: 'fixed-size' as const, numSlots: config.WORKER_LOCAL_ACTIVITY_SLOTS },
      nexusTaskSlotSupplier: { type: 'fixed-size' as const, numSlots: NEXUS_SLOTS },
    },
    workflowThreadPoolSize: WORKFLOW_THREADS,
    maxConcurrentWorkflowTaskPolls: config.WORKER_WORKFLOW_POLLERS,
    maxConcurrentActivityTaskPolls: config.WORKER_ACTIVITY_POLLERS,
    maxCachedWorkflows: config.WORKER_CACHED_WORKFLOWS,
  };
}

/** The SDK's default: a tuner must name every kind of slot, and Sluice runs no Nexus operations. */
const NEXUS_SLOTS = 100;

/** The Telegram bot, when a token is configured: one place for notifications and Telegram sign-in. */
export function telegramBot(config: Config) {
  if (!config.TELEGRAM_BOT_TOKEN) return null;
  return {
    token: config.TELEGRAM_BOT_TOKEN,
    apiUrl: config.TELEGRAM_API_URL.replace(/\/$/, ''),
    username: config.TELEGRAM_BOT_USERNAME ?? null,
    webhookSecret: config.TELEGRAM_WEBHOOK_SECRET ?? null,
  };
}

/** How notifications are delivered: the dispatcher's pace, a delivery's retries, a broadcast's pages and rates. */
export function notificationSettings(config: Config) {
  return {
    dispatchIntervalMs: config.NOTIFICATION_DISPATCH_INTERVAL_MS,
    retry: { maximumAttempts: config.NOTIFICATION_MAX_ATTEMPTS, initialIntervalMs: config.NOTIFICATION_RETRY_INITIAL_MS },
    broadcast: {
      pageSize: config.BROADCAST_PAGE_SIZE,
      ratePerSecond: { email: config.BROADCAST_RATE_EMAIL, telegram: config.BROADCAST_RATE_TELEGRAM },
    },
  };
}

/** EVM_HOT_WALLET_KEYS as (id, private key) pairs, in the order given. */
export function evmHotWalletKeys(config: Config): Array<{ id: string; privateKey: string }> {
  return (config.EVM_HOT_WALLET_KEYS ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [id, privateKey] = pair.split('=') as [string, string];
      return { id, privateKey };
    });
}

/** The HTTP hardening settings (api/http/hardening.ts) and the sign-in throttle's. */
export function securitySettings(config: Config) {
  return {
    corsOrigins: (config.CORS_ORIGINS ?? '').split(',').filter(Boolean),
    requestTimeoutMs: config.REQUEST_TIMEOUT,
    maxBodyBytes: config.MAX_BODY_BYTES,
    throttle: {
      freeFailures: config.LOGIN_FREE_FAILURES,
      lockAfter: config.LOGIN_LOCKOUT_AFTER,
      lockoutMs: config.LOGIN_LOCKOUT,
      ipFreeFailures: config.LOGIN_IP_FREE_FAILURES,
      ipLockAfter: config.LOGIN_IP_LOCKOUT_AFTER,
      registrationFree: config.REGISTER_IP_FREE,
      registrationLockAfter: config.REGISTER_IP_LOCKOUT_AFTER,
    },
  };
}

/** The console's settings: session length and the Temporal UI it links workflows to. */
export function consoleSettings(config: Config) {
  return {
    sessionTtlSeconds: config.CONSOLE_SESSION_HOURS * 3_600,
    temporalUi: {
      url: (config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
      namespace: config.TEMPORAL_NAMESPACE,
    },
  };
}
