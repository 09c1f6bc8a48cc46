/**
 * The API app in-process against a test database: fast route tests (validation, errors, security) without spawning
 * processes. Requests go through app.request, so the caller's IP comes from X-Forwarded-For (trustProxy on).
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { inject } from 'vitest';
import { createApp } from '../../api/app.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import { Tokens } from '../../services/users-auth/tokens.js';
import { ensureAdmin } from '../../services/users-auth/bootstrap-admin.js';
import { createApiMetrics } from '../../api/http/metrics.js';
import { BetEventCache } from '../../services/betting/event-cache.js';
import { BetPlacer } from '../../services/betting/placement.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { Markets } from '../../services/exchange/markets.js';
import { loadPairs } from '../../services/exchange/pairs-store.js';
import { ExchangeService } from '../../services/exchange/service.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { ApiClient } from './http.js';

export interface TestApp {
  api: ApiClient;
  db: TestDatabase;
  admin: { email: string; password: string; token: string; id: string };
  close(): Promise<void>;
}

export async function startTestApp(): Promise<TestApp> {
  const db = await createTestDatabase();
  const log = pino({ level: 'silent' });
  const secretKey = randomBytes(32).toString('hex');
  const admin = { email: 'admin@sluice.test', password: 'admin password for tests' };
  await ensureAdmin(db.sql, { ...admin, devMode: false }, log);
  const connection = Connection.lazy({ address: inject('temporalAddress') });
  const markets = new Markets(db.sql, db.url, log);
  markets.start(await loadPairs(db.sql));
  const app = createApp({
    sql: db.sql,
    ledger: new LedgerWriter(db.sql),
    currencies: new CurrencyCatalog(db.sql),
    tokens: new Tokens({ secretKey, accessTtlSeconds: 900, refreshTtlSeconds: 3600 }),
    temporal: { connection, client: new Client({ connection, namespace: 'default' }), taskQueue: 'unused' },
    keys: { totp: deriveKey(secretKey, 'totp'), apiKeys: deriveKey(secretKey, 'api-keys') },
    settings: {
      apiKeyWindowSeconds: 60,
      trustProxy: true,
      devMode: false,
      withdrawals: { confirmTtlMs: 600_000, approvalTtlMs: 86_400_000, pollIntervalMs: 30_000 },
    },
    metrics: createApiMetrics(),
    log,
    depositAddresses: {},
    betting: { events: new BetEventCache(db.sql, 1_000), placer: new BetPlacer(db.sql) },
    exchange: new ExchangeService(db.sql, markets),
  });
  const api = new ApiClient('http://sluice.test', (url, init) => app.request(url, init));
  const token = await api.login(admin.email, admin.password);
  const me = await api.get('/v1/me', { token });
  return {
    api,
    db,
    admin: { ...admin, token, id: me.body.id },
    async close() {
      await markets.close();
      await connection.close();
      await db.drop();
    },
  };
}
