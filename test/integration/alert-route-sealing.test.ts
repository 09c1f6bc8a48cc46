/** Slack hooks of alert routes are sealed at rest, refused when private outside dev mode, and unsealed to send. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import { alertRouteById, sealSlackRoutes } from '../../services/notifications/alert-routes-store.js';
import { addRoute } from '../../services/notifications/service.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let operator: string;
const key = deriveKey(randomBytes(32).toString('hex'), 'alert-routes');
const HOOK = 'https://hooks.slack.com/services/T000/B000/secret-part-of-the-hook';

beforeAll(async () => {
  db = await createTestDatabase();
  operator = (await insertUser(db.sql, { email: 'ops@example.com', passwordHash: 'x', role: 'operator' }))!.id;
});
afterAll(() => db?.drop());

const route = (target: string) => ({
  eventType: 'report_ready',
  channel: 'slack' as const,
  target,
  minSeverity: 'info' as const,
  createdBy: operator,
});

describe('alert routes to Slack', () => {
  it('keep the hook sealed, show its origin, and give the URL back only to send', async () => {
    const saved = await addRoute(db.sql, route(HOOK), { allowPrivateTargets: false, key });
    expect(saved.target).toMatch(/^https:\/\/hooks\.slack\.com\/…#[0-9a-f]{16}$/);
    const stored = JSON.stringify(await db.sql`select * from alert_routes`);
    expect(stored).not.toContain('secret-part-of-the-hook');
    expect((await alertRouteById(db.sql, saved.id, key))!.address).toBe(HOOK);
    // the same hook again is the same route
    expect((await addRoute(db.sql, route(HOOK), { allowPrivateTargets: false, key })).id).toBe(saved.id);
  });

  it('refuses private, loopback and link-local hooks outside dev mode, naming the target', async () => {
    for (const target of [
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://[fe80::1]/hook',
      'http://hooks.slack.com/x',
    ]) {
      const refused = await addRoute(db.sql, route(target), { allowPrivateTargets: false, key }).catch((e) => e);
      expect(refused, target).toBeInstanceOf(DomainError);
      expect((refused as DomainError).issues).toEqual([{ path: 'target', message: expect.any(String) }]);
    }
    expect((await addRoute(db.sql, route('http://127.0.0.1:9/hook'), { allowPrivateTargets: true, key })).target).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/…#/,
    );
  });

  it('seals the hooks of routes saved before sealing', async () => {
    const [old] = await db.sql`
      insert into alert_routes (event_type, channel, target, created_by) values ('*', 'slack', ${HOOK + '-old'}, ${operator})
      returning id`;
    expect(await sealSlackRoutes(db.sql, key)).toBe(1);
    expect(await sealSlackRoutes(db.sql, key)).toBe(0);
    const sealed = (await alertRouteById(db.sql, String(old!.id), key))!;
    expect(sealed.target).not.toContain('secret-part');
    expect(sealed.address).toBe(HOOK + '-old');
  });
});
