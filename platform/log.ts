/**
 * Structured logs (pino): one logger per process, children per component. Fields that can carry a secret (passwords,
 * tokens, API secrets and signatures, TOTP seeds and codes, mnemonics, private keys, seeds, cookies, authorization
 * headers) are censored wherever they sit, up to three levels deep, so a careless `log.info({ body })` cannot leak
 * one. test/e2e/security.test.ts greps a stack's logs for every secret it created.
 */
import pino from 'pino';

export type Logger = pino.Logger;

const SECRET_FIELDS = [
  'password',
  'newPassword',
  'new_password',
  'passwordHash',
  'secret',
  'secretSealed',
  'totp',
  'totpSecret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-signature',
  'mnemonic',
  'privateKey',
  'private_key',
  'seed',
  // a PostgresError's bound values (the db client makes them enumerable when it counts statements)
  'parameters',
  'SECRET_KEY',
  'ADMIN_PASSWORD',
  'EVM_DEPOSIT_MNEMONIC',
  'EVM_HOT_WALLET_KEYS',
  'GAS_KEEPER_PRIVATE_KEY',
  'XRPL_HOT_WALLET_SEED',
];

// not `code`: exit codes, error codes and Postgres's SQLSTATE go by that name and must stay readable

/** pino's redact paths: each field at the top level and up to three objects deep. */
export const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key.startsWith('[') ? key : field, join('*'), join('*.*'), join('*.*.*')];
});

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
