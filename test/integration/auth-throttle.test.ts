/** The attempt throttle's table keeps only subjects failing now: forgotten rows go as new failures are written. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptThrottle, type ThrottleSubject } from '../../services/security/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const policy = { freeFailures: 3, baseDelayMs: 1_000, lockAfter: 10, lockoutMs: 900_000, forgetAfterMs: 3_600_000 };
const subject = (key: string): ThrottleSubject => ({ key, policy });

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('auth_throttle', () => {
  it('deletes the rows past their forget time on a failure, keeping running lockouts and recent failures', async () => {
    await db.sql`insert into auth_throttle (key, failures, last_failure, locked_until, forget_at) values
      ('login-ip:10.0.0.1', 2, now() - interval '2 hours', null, now() - interval '1 hour'),
      ('login-account:old@example.com', 10, now() - interval '3 hours', now() - interval '2 hours', now() - interval '2 hours'),
      ('login-account:locked@example.com', 10, now() - interval '2 hours', now() + interval '1 hour', now() - interval '1 hour'),
      ('login-ip:10.0.0.2', 1, now() - interval '1 minute', null, now() + interval '59 minutes')`;
    const throttle = new AttemptThrottle(db.sql);
    await throttle.failed([subject('login-account:new@example.com'), subject('login-ip:10.0.0.3')]);

    const rows = await db.sql<Array<{ key: string; failures: number; forgetInSeconds: number }>>`
      select key, failures, extract(epoch from forget_at - now())::int as forget_in_seconds from auth_throttle order by key`;
    expect(rows.map((r) => r.key)).toEqual([
      'login-account:locked@example.com',
      'login-account:new@example.com',
      'login-ip:10.0.0.2',
      'login-ip:10.0.0.3',
    ]);
    const fresh = rows.find((r) => r.key === 'login-account:new@example.com')!;
    expect(fresh.failures).toBe(1);
    expect(Math.abs(fresh.forgetInSeconds - 3_600)).toBeLessThan(60);
  });

  it('moves a subject’s forget time with every failure', async () => {
    const throttle = new AttemptThrottle(db.sql);
    await db.sql`insert into auth_throttle (key, failures, last_failure, forget_at)
      values ('totp-account:u1', 1, now() - interval '10 minutes', now() + interval '50 minutes')`;
    await throttle.failed([subject('totp-account:u1')]);
    const [row] = await db.sql<Array<{ failures: number; forgetInSeconds: number }>>`
      select failures, extract(epoch from forget_at - now())::int as forget_in_seconds from auth_throttle
      where key = 'totp-account:u1'`;
    expect(row!.failures).toBe(2);
    expect(Math.abs(row!.forgetInSeconds - 3_600)).toBeLessThan(60);
  });
});
