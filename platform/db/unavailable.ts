/**
 * Whether an error means the database cannot be reached right now (down, restarting, the connection lost), as
 * opposed to a fault in the query: the API answers those with 503 and a Retry-After instead of a 500.
 */
import postgres from 'postgres';

/** postgres.js's own connection errors and the socket errors it passes on. */
const CONNECTION_ERRORS = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) {
    // class 08: connection exception; 57P01–57P03: shut down by an administrator, crash, cannot connect now
    return error.code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(error.code);
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_ERRORS.has(code);
}
