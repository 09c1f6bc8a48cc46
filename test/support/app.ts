/**
 * The API app in-process against a test database: fast route tests (validation, errors, security) without spawning
 * processes. Requests go through app.request, so the caller's IP comes from X-Forwarded-For (trustProxy on).
 */
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { inject } from 'vitest';
import { createApp } from '../../api/app.js';
import { ensureAdmin } from '../../services/users-auth/bootstrap-admin.js';
import type { ApiCaches } from '../../api/caches.js';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../../api/context.js';
import { inProcessDeps } from './app-deps.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { ApiClient } from './http.js';

export interface TestApp {
  api: ApiClient;
  db: TestDatabase;
  admin: { email: string; password: string; token: string; id: string };
  /** The app's in-memory caches (users, API keys, transfer rules) and whether their invalidation listener is up. */
  caches: ApiCaches;
  /** What its routes reach (keys, tokens), for tests that take a route's steps one by one. */
  deps: ApiDeps;
  /** The app itself, for a test that serves it to a browser. */
  app: OpenAPIHono<AppEnv>;
  close(): Promise<void>;
}

export async function startTestApp(): Promise<TestApp> {
  const db = await createTestDatabase();
  const admin = { email: 'admin@sluice.test', password: 'admin password for tests' };
  await ensureAdmin(db.sql, { ...admin, devMode: false }, pino({ level: 'silent' }));
  const connection = Connection.lazy({ address: inject('temporalAddress') });
  const { deps, caches, close } = await inProcessDeps(db.sql, db.url, connection);
  const app = createApp(deps);
  const api = new ApiClient('http://sluice.test', (url, init) => app.request(url, init));
  const token = await api.login(admin.email, admin.password);
  const me = await api.get('/v1/me', { token });
  return {
    api,
    db,
    admin: { ...admin, token, id: me.body.id },
    caches,
    deps,
    app,
    async close() {
      await Promise.all([connection.close(), close()]);
      await db.drop();
    },
  };
}
