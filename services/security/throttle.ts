/**
 * A reusable guard against guessing: sign-in, second-factor codes and password resets count failures per subject
 * (an account, a client IP). A few failures are free; then each attempt waits twice as long as the one before; at
 * `lockAfter` failures the subject is locked out for `lockoutMs`. Refusals are ThrottledErrors (429 + Retry-After).
 * The counts live in Postgres (auth_throttle), so every API process of a cluster agrees; a subject that never failed
 * costs one primary-key read. Rows of subjects that stopped failing are deleted as new ones are written, so the table
 * holds only who is failing now, however many addresses a botnet tries.
 */
import { ThrottledError } from '../../domain/errors.js';
import type { Sql } from '../../platform/db/client.js';

export interface ThrottlePolicy {
  /** Failures allowed before delays start. */
  freeFailures: number;
  /** The first delay; it doubles with every further failure. */
  baseDelayMs: number;
  /** Failures that lock the subject out. */
  lockAfter: number;
  lockoutMs: number;
  /** A subject that has not failed for this long starts again from zero. */
  forgetAfterMs: number;
}

/** What is counted: `login-account:ada@example.com`, `login-ip:10.0.0.1`, `totp:<user id>`. */
export interface ThrottleSubject {
  key: string;
  policy: ThrottlePolicy;
}

interface ThrottleRow {
  key: string;
  failures: number;
  lastFailure: Date;
  lockedUntil: Date | null;
  now: Date;
}

/** Milliseconds until the subject may try again (0: now). */
export function waitMs(row: Omit<ThrottleRow, 'key'>, policy: ThrottlePolicy): number {
  const now = row.now.getTime();
  if (row.lockedUntil) return Math.max(0, row.lockedUntil.getTime() - now);
  if (now - row.lastFailure.getTime() >= policy.forgetAfterMs) return 0;
  const beyond = row.failures - policy.freeFailures;
  if (beyond < 0) return 0;
  const delay = Math.min(policy.baseDelayMs * 2 ** beyond, policy.lockoutMs);
  return Math.max(0, row.lastFailure.getTime() + delay - now);
}

/** One guarded attempt: what it counts against, the attempt itself, and which of its errors are failed guesses. */
export interface GuardedAttempt<T> {
  subjects: { account: ThrottleSubject; ip: ThrottleSubject };
  attempt: () => Promise<T>;
  /** A wrong password or code: counted. Other errors (a missing field, a disabled feature) pass through uncounted. */
  isFailure: (error: unknown) => boolean;
  /** Told once, when a failure locks the account out (to notify its owner and log it). */
  onAccountLocked?: (lockedUntil: Date) => Promise<void>;
}

export class AttemptThrottle {
  constructor(private readonly sql: Sql) {}

  /**
   * The guard sign-in, second-factor codes and password resets go through: refused (ThrottledError) while the account
   * or the IP must wait; a failure counted against both; a success forgets the account's failures (not the IP's).
   */
  async guard<T>({ subjects, attempt, isFailure, onAccountLocked }: GuardedAttempt<T>): Promise<T> {
    const failing = await this.check([subjects.account, subjects.ip]);
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      if (isFailure(error)) {
        const locked = await this.failed([subjects.account, subjects.ip]);
        const account = locked.find((l) => l.key === subjects.account.key);
        if (account && onAccountLocked) await onAccountLocked(account.lockedUntil);
      }
      throw error;
    }
    if (failing.includes(subjects.account.key)) await this.succeeded([subjects.account]);
    return result;
  }

  /**
   * Refuses while the subjects must wait, else counts this attempt: for requests that cost something every time (a
   * reset mail, a new account).
   */
  async consume(subjects: ThrottleSubject[]): Promise<void> {
    await this.check(subjects);
    await this.failed(subjects);
  }

  /** Refuses with a ThrottledError while any subject must wait or is locked out; returns the subjects with failures on record. */
  async check(subjects: ThrottleSubject[]): Promise<string[]> {
    const rows = await this.sql<ThrottleRow[]>`
      select key, failures, last_failure, locked_until, now() as now from auth_throttle
      where key in ${this.sql(subjects.map((s) => s.key))}`;
    let wait = 0;
    let locked = false;
    for (const row of rows) {
      const ms = waitMs(row, subjects.find((s) => s.key === row.key)!.policy);
      if (ms > wait) [wait, locked] = [ms, row.lockedUntil !== null];
    }
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new ThrottledError(
        locked ? `too many attempts: locked out, try again in ${seconds}s` : `too many attempts: try again in ${seconds}s`,
        seconds,
      );
    }
    return rows.map((r) => r.key);
  }

  /** Counts a failure for each subject; returns the subjects this failure locked out, with when the lock ends. */
  async failed(subjects: ThrottleSubject[]): Promise<Array<{ key: string; lockedUntil: Date }>> {
    const locked = await Promise.all(subjects.map((s) => this.failOne(s)));
    await this.forgetExpired();
    return locked.filter((l): l is { key: string; lockedUntil: Date } => l !== null);
  }

  /** Forgets the subjects' failures (a successful sign-in forgets the account's, not the IP's). */
  async succeeded(subjects: ThrottleSubject[]): Promise<void> {
    await this.sql`delete from auth_throttle where key in ${this.sql(subjects.map((s) => s.key))}`;
  }

  private failOne({ key, policy }: ThrottleSubject): Promise<{ key: string; lockedUntil: Date } | null> {
    const forgetSeconds = policy.forgetAfterMs / 1000; // forget_at: the database's clock is the one that counts
    return this.sql.begin(async (tx) => {
      const inserted = await tx`
        insert into auth_throttle (key, failures, last_failure, forget_at)
        values (${key}, 1, now(), now() + make_interval(secs => ${forgetSeconds})) on conflict (key) do nothing returning key`;
      // otherwise the row is locked for the count, so concurrent failures on several processes each count once
      const [row] = await tx<ThrottleRow[]>`
        select key, failures, last_failure, locked_until, now() as now from auth_throttle where key = ${key} for update`;
      const startsAgain =
        inserted.length > 0 ||
        row!.now.getTime() - row!.lastFailure.getTime() >= policy.forgetAfterMs ||
        (row!.lockedUntil !== null && row!.lockedUntil <= row!.now);
      const failures = startsAgain ? 1 : row!.failures + 1;
      const lockedUntil = failures >= policy.lockAfter ? new Date(row!.now.getTime() + policy.lockoutMs) : null;
      await tx`update auth_throttle set failures = ${failures}, last_failure = now(), locked_until = ${lockedUntil},
        forget_at = now() + make_interval(secs => ${forgetSeconds}) where key = ${key}`;
      return lockedUntil ? { key, lockedUntil } : null;
    });
  }

  /** Deletes the rows their policies have forgotten (no failure within the window, no lockout still running). */
  private async forgetExpired(): Promise<void> {
    await this.sql`delete from auth_throttle where forget_at <= now() and (locked_until is null or locked_until <= now())`;
  }
}
