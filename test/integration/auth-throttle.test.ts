/**
 * The attempt throttle: its table keeps only subjects failing now (forgotten rows go as new failures are written), and
 * guesses sent at once are counted as they start, so a burst gets no more than guesses sent one by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThrottledError } from '../../domain/errors.js';
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
    await throttle.consume([subject('login-account:new@example.com'), subject('login-ip:10.0.0.3')]);

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
    await throttle.consume([subject('totp-account:u1')]);
    const [row] = await db.sql<Array<{ failures: number; forgetInSeconds: number }>>`
      select failures, extract(epoch from forget_at - now())::int as forget_in_seconds from auth_throttle
      where key = 'totp-account:u1'`;
    expect(row!.failures).toBe(2);
    expect(Math.abs(row!.forgetInSeconds - 3_600)).toBeLessThan(60);
  });
});

describe('guarded attempts', () => {
  const wrongGuess = new Error('wrong code');
  const guess = (throttle: AttemptThrottle, account: string, ip: string, attempt: () => Promise<string>) =>
    throttle.guard({
      subjects: { account: subject(account), ip: subject(ip) },
      attempt,
      isFailure: (error) => error === wrongGuess,
    });

  it('lets a burst of guesses sent at once try no more than the free failures: the rest wait', async () => {
    const throttle = new AttemptThrottle(db.sql);
    let tried = 0;
    const burst = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        guess(throttle, 'totp-account:burst', 'totp-ip:10.1.0.1', async () => {
          tried++;
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw wrongGuess;
        }),
      ),
    );
    // checked first and counted after, all 30 were tried
    expect(tried).toBe(policy.freeFailures);
    const refused = burst.filter((r) => r.status === 'rejected' && r.reason instanceof ThrottledError);
    expect(refused).toHaveLength(30 - policy.freeFailures);
    const [row] = await db.sql`select failures from auth_throttle where key = 'totp-account:burst'`;
    expect(row!.failures).toBe(policy.freeFailures);
  });

  it("gives a success's attempt back to the IP as it was, forgets the account's, and counts no error that is no guess", async () => {
    const throttle = new AttemptThrottle(db.sql);
    await db.sql`insert into auth_throttle (key, failures, last_failure, forget_at) values
      ('login-account:back@example.com', 2, now() - interval '10 minutes', now() + interval '50 minutes'),
      ('login-ip:10.1.0.2', 2, now() - interval '10 minutes', now() + interval '50 minutes')`;
    const rows = () =>
      db.sql`select key, failures, last_failure, forget_at from auth_throttle where key like '%back%' or key like '%10.1.0.2'
        order by key`;
    const before = await rows();
    await expect(
      guess(throttle, 'login-account:back@example.com', 'login-ip:10.1.0.2', () => Promise.reject(new Error('no such feature'))),
    ).rejects.toThrow('no such feature');
    expect(await rows()).toEqual(before);

    expect(await guess(throttle, 'login-account:back@example.com', 'login-ip:10.1.0.2', async () => 'signed in')).toBe(
      'signed in',
    );
    expect(await rows()).toEqual(before.filter((r) => r.key === 'login-ip:10.1.0.2'));
    // a subject with no row before the attempt has none after it
    await guess(throttle, 'login-account:back@example.com', 'login-ip:10.1.0.2', async () => 'again');
    await guess(throttle, 'login-account:new-back@example.com', 'login-ip:10.1.0.3', async () => 'first');
    expect(await db.sql`select key from auth_throttle where key like '%new-back%' or key like '%10.1.0.3'`).toHaveLength(0);
  });

  it('lets sign-ins from one address succeed at once, though each gives back the row another is about to lock', async () => {
    // an attempt that waited on another's new row, found it gone (given back by that one's success) and failed: a 500
    const throttle = new AttemptThrottle(db.sql);
    const roomy: ThrottleSubject['policy'] = { ...policy, freeFailures: 1_000, lockAfter: 10_000 };
    for (let round = 0; round < 10; round++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          throttle.guard({
            subjects: {
              account: { key: `login-account:crowd-${round}-${i}`, policy: roomy },
              ip: { key: 'login-ip:10.1.0.9', policy: roomy },
            },
            attempt: async () => 'signed in',
            isFailure: () => false,
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    }
    expect(await db.sql`select key from auth_throttle where key like '%crowd%' or key = 'login-ip:10.1.0.9'`).toEqual([]);
  });

  it('locks the account out at lockAfter failures, and says so once', async () => {
    const throttle = new AttemptThrottle(db.sql);
    await db.sql`insert into auth_throttle (key, failures, last_failure, forget_at)
      values ('login-account:lock@example.com', ${policy.lockAfter - 1}, now() - interval '20 minutes', now() + interval '40 minutes')`;
    const locks: Date[] = [];
    await expect(
      throttle.guard({
        subjects: { account: subject('login-account:lock@example.com'), ip: subject('login-ip:10.1.0.4') },
        attempt: () => Promise.reject(wrongGuess),
        isFailure: (error) => error === wrongGuess,
        onAccountLocked: async (until) => void locks.push(until),
      }),
    ).rejects.toBe(wrongGuess);
    expect(locks).toHaveLength(1);
    await expect(guess(throttle, 'login-account:lock@example.com', 'login-ip:10.1.0.5', async () => 'late')).rejects.toThrow(
      'locked out',
    );
  });
});
