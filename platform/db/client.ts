/**
 * The postgres.js pool. NUMERIC columns (money) come back as bigint; amounts go in as decimal strings, because
 * postgres.js would type a JS bigint as int8 and wei amounts overflow it.
 */
import postgres from 'postgres';

export interface SqlOptions {
  max?: number;
  applicationName?: string;
  /**
   * Called for every statement sent (postgres.js's debug hook), so a process can count its SQL per request. It also
   * makes a PostgresError's query and parameters enumerable, so only processes that count pass it. (It no longer makes
   * every query capture a stack trace: patches/postgres+3.4.9-query-origin.patch.)
   */
  onStatement?: () => void;
}

export function createSql(url: string, options: SqlOptions = {}) {
  return postgres(url, {
    max: options.max ?? 10,
    ...(options.onStatement ? { debug: options.onStatement } : {}),
    idle_timeout: 30,
    connect_timeout: 10,
    // a closed connection reconnects after this many seconds; postgres.js's default grows to 20 s with every failed
    // attempt, and a request given a connection in that wait hangs that long while the database is down (the fault
    // suite measured it): capped at 1 s, it fails within a second (a 503) and reconnects soon after the database is back
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    onnotice: () => {},
    // column names only: postgres.camel would also rename the keys inside json values, and stored JSON
    // (ledger metadata, notification bodies) must read back exactly as it was written
    transform: { column: { from: postgres.toCamel, to: postgres.fromCamel } },
    connection: { application_name: options.applicationName ?? 'sluice' },
    types: {
      numeric: {
        to: 1700,
        from: [1700],
        serialize: (value: bigint) => value.toString(),
        parse: (value: string) => BigInt(value),
      },
    },
  });
}

export type Sql = ReturnType<typeof createSql>;
/** A pool or a transaction: query modules take either, so callers decide what is atomic. */
export type Db = Sql | postgres.TransactionSql<Sql extends postgres.Sql<infer T> ? T : never>;
export type Tx = postgres.TransactionSql<Sql extends postgres.Sql<infer T> ? T : never>;

/** Postgres error codes the code reacts to. */
export const PgError = {
  UniqueViolation: '23505',
  SerializationFailure: '40001',
  DeadlockDetected: '40P01',
  CheckViolation: '23514',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  return error instanceof postgres.PostgresError ? error.code : undefined;
}
