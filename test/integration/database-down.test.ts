/**
 * The API while its database is down: every request that needs it answers at once with 503 problem+json (code
 * `unavailable`, a Retry-After), never a hang and never a 500; once the database is back, the same requests succeed.
 * The database is taken away through a TCP proxy (test/support/tcp-proxy.ts), so the run's shared server keeps serving
 * the other test files.
 */
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createSql, type Sql } from '../../platform/db/client.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { ensureAdmin } from '../../services/users-auth/bootstrap-admin.js';
import { inProcessDeps } from '../support/app-deps.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ApiClient, type ApiResponse } from '../support/http.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const admin = { email: 'admin@sluice.test', password: 'admin password for tests' };
let db: TestDatabase;
let proxy: TcpProxy;
let sql: Sql;
let api: ApiClient;
let close: () => Promise<void>;
let connection: Connection;
let token: string;
let bob: { id: string; token: string };

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureAdmin(db.sql, { ...admin, devMode: false }, pino({ level: 'silent' }));
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(db.url).port) });
  sql = createSql(proxy.url(db.url), { max: 5 });
  connection = Connection.lazy({ address: inject('temporalAddress') });
  const built = await inProcessDeps(sql, proxy.url(db.url), connection);
  close = built.close;
  const app = createApp(built.deps);
  api = new ApiClient('http://sluice.test', (url, init) => app.request(url, init));
  token = await api.login(admin.email, admin.password);
  bob = await api.signUp('bob@example.com');
});
afterAll(async () => {
  await proxy?.restore();
  await close?.();
  await Promise.allSettled([sql?.end({ timeout: 1 }), connection?.close(), proxy?.close()]);
  await db?.drop();
});

/** The answer, or a failure if it takes longer than a hang would. */
async function answered(name: string, request: Promise<ApiResponse>): Promise<ApiResponse> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: the API did not answer within 20 s`)), 20_000);
  });
  try {
    return await Promise.race([request, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const requests: Array<[string, () => Promise<ApiResponse>]> = [
  ['GET /v1/balances', () => api.get('/v1/balances', { token })],
  ['POST /v1/auth/token', () => api.post('/v1/auth/token', admin)],
  [
    'POST /v1/transfers',
    () =>
      api.post(
        '/v1/transfers',
        { to_user_id: bob.id, currency: 'USD', amount: '1.00' },
        { token, headers: { 'idempotency-key': `down-${Math.random()}` } },
      ),
  ],
  ['GET /v1/ops/withdrawals', () => api.get('/v1/ops/withdrawals', { token })],
];

describe('the API with its database down', () => {
  it('answers 503 problem+json while the database is down, and serves again once it is back', { timeout: 120_000 }, async () => {
    await proxy.cut();
    for (const [name, request] of requests) {
      const response = await answered(name, request());
      expect({ name, status: response.status, code: response.body?.code }).toEqual({ name, status: 503, code: 'unavailable' });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(JSON.stringify(response.body)).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
    }
    const health = await answered('GET /healthz', api.get('/healthz'));
    expect(health.status).toBe(503);
    expect(health.body.checks.database.ok).toBe(false);

    await proxy.restore();
    await waitUntil(
      'the API serving again',
      async () => {
        const balances = await api.get('/v1/balances', { token });
        if (balances.status !== 200) throw new Error(`${balances.status} ${JSON.stringify(balances.body)}`);
      },
      { timeoutMs: 30_000 },
    );
    for (const [name, request] of requests) {
      const response = await answered(name, request());
      expect({ name, status: response.status }).not.toEqual({ name, status: 503 });
      expect(response.status).toBeLessThan(500);
    }
  });
});
