/**
 * Configuration from the environment, parsed once with zod. A bad value stops start-up with a message naming the
 * variable; a process asks for the settings it cannot run without with `required`.
 */
import { z } from 'zod';

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL (${protocols.join(' or ')})`);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
  SLUICE_ENV: z.enum(['dev', 'production']).default('production'),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  TRUST_PROXY: bool.default(false),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),

  TEMPORAL_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('sluice'),
  TEMPORAL_CLI: z.string().min(1).optional(),
  TEMPORAL_UI_PORT: port.default(8233),

  EVM_RPC_URL: url(['http:', 'https:']).optional(),
  EVM_WS_URL: url(['ws:', 'wss:']).optional(),
  USDT_CONTRACT_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address').optional(),
  XRPL_URL: url(['ws:', 'wss:']).default('wss://xrplcluster.com'),

  SECRET_KEY: z.string().min(32, 'must have at least 32 characters').optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must have at least 12 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(90 * 86_400).default(30 * 86_400),
  API_KEY_WINDOW_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),

  LEDGER_AUDIT_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
  BET_EVENT_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),

  DEV_POSTGRES_PORT: port.default(54329),
  DEV_TEMPORAL_PORT: port.default(7233),
  DEV_ANVIL_PORT: port.default(8545),
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
