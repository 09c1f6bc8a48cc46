/**
 * A reusable guard against guessing: sign-in, second-factor codes and password resets count failures per subject
 * (an account, a client IP). A few failures are free; then each attempt waits twice as long as the one before; at
 * `lockAfter` failures the subject is locked out for `lockoutMs`. Refusals are ThrottledErrors (429 + Retry-After).
 * The counts live in Postgres (auth_throttle), so every API process of a cluster agrees; a subject that never failed has no row.
 * Rows of subjects that stopped failing are deleted as new ones are written, so the table holds only who is failing now,
 * however many addresses a botnet tries. An attempt is counted as a failure when it starts (its claim), and given back
 * when it turns out not to be one: checked first and counted after, a burst of guesses sent at once all passed the
 * check before any was counted, and a locked-out account took a thousand guesses a burst.
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
   * or the IP must wait; the attempt counted against both before it runs; a success forgets the account's failures
   * and gives the IP its attempt back, and an error that is no failed guess gives both back.
   */
  async guard<T>({ subjects, attempt, isFailure, onAccountLocked }: GuardedAttempt<T>): Promise<T> {
    const claims = await this.claim([subjects.account, subjects.ip]);
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      if (isFailure(error)) {
        const locked = await this.failed([subjects.account, subjects.ip]);
        const account = locked.find((l) => l.key === subjects.account.key);
        if (account && onAccountLocked) await onAccountLocked(account.lockedUntil);
      } else {
        await this.giveBack(claims);
      }
      throw error;
    }
    await this.succeeded([subjects.account]);
    await this.giveBack(claims.filter((c) => c.key === subjects.ip.key));
    return result;
  }

  /**
   * Refuses while the subjects must wait, else counts this attempt: for requests that cost something every time (a
   * reset mail, a new account).
   */
  async consume(subjects: ThrottleSubject[]): Promise<void> {
    await this.claim(subjects);
    await this.forgetExpired();
  }

  /**
   * Refuses with a ThrottledError, counting nothing, while any subject must wait or is locked out; else counts an
   * attempt against each, in one transaction under their rows' locks (taken in key order), so of concurrent attempts
   * each sees the ones before it. Returns what each row was, to give the attempt back.
   */
  private claim(subjects: ThrottleSubject[]): Promise<Claim[]> {
    const ordered = [...subjects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.sql.begin(async (tx) => {
      const claims: Claim[] = [];
      let wait = 0;
      let locked = false;
      for (const { key, policy } of ordered) {
        const forgetSeconds = policy.forgetAfterMs / 1000; // forget_at: the database's clock is the one that counts
        // one statement inserts the row or locks the one there: an insert that waited on another attempt's new row,
        // then a read of it, found nothing when that attempt had given it back meanwhile. The times as text too, to
        // the microsecond (a Date keeps milliseconds), so giving the attempt back restores them.
        const [row] = await tx<
          Array<ThrottleRow & { inserted: boolean; at: string; lastFailureText: string; forgetAtText: string }>
        >`
          insert into auth_throttle (key, failures, last_failure, forget_at)
          values (${key}, 1, now(), now() + make_interval(secs => ${forgetSeconds}))
          on conflict (key) do update set key = excluded.key
          returning key, xmax = 0 as inserted, failures, last_failure, locked_until, now() as now, now()::text as at,
            last_failure::text as last_failure_text, forget_at::text as forget_at_text`;
        if (row!.inserted) {
          claims.push({ key, at: row!.at, before: null });
          continue;
        }
        const ms = waitMs(row!, policy);
        if (ms > wait) [wait, locked] = [ms, row!.lockedUntil !== null];
        if (wait > 0) continue;
        const startsAgain =
          row!.now.getTime() - row!.lastFailure.getTime() >= policy.forgetAfterMs ||
          (row!.lockedUntil !== null && row!.lockedUntil <= row!.now);
        await tx`update auth_throttle set failures = ${startsAgain ? 1 : row!.failures + 1}, last_failure = now(),
          locked_until = ${startsAgain ? null : row!.lockedUntil}, forget_at = now() + make_interval(secs => ${forgetSeconds})
          where key = ${key}`;
        const before = { lastFailure: row!.lastFailureText, forgetAt: row!.forgetAtText };
        claims.push({ key, at: row!.at, before: startsAgain ? null : before });
      }
      if (wait > 0) {
        // rolls the claims of the other subjects back with the transaction
        const seconds = Math.ceil(wait / 1000);
        throw new ThrottledError(
          locked ? `too many attempts: locked out, try again in ${seconds}s` : `too many attempts: try again in ${seconds}s`,
          seconds,
        );
      }
      return claims;
    });
  }

  /**
   * Records the claimed attempts as failed guesses: the time of the failure, and the lockout once a subject has
   * `lockAfter`. Returns the subjects this failure locked out, with when the lock ends.
   */
  private async failed(subjects: ThrottleSubject[]): Promise<Array<{ key: string; lockedUntil: Date }>> {
    const locked = await Promise.all(
      subjects.map(async ({ key, policy }) => {
        const lockEnd = this.sql`now() + make_interval(secs => ${policy.lockoutMs / 1000})`;
        // (a row a success forgot meanwhile stays forgotten)
        const [row] = await this.sql<Array<{ lockedUntil: Date | null; lockedNow: boolean }>>`
          update auth_throttle set last_failure = now(), forget_at = now() + make_interval(secs => ${policy.forgetAfterMs / 1000}),
            locked_until = case when failures >= ${policy.lockAfter} and (locked_until is null or locked_until <= now())
              then ${lockEnd} else locked_until end
          where key = ${key}
          returning locked_until, locked_until = ${lockEnd} as locked_now`;
        return row?.lockedNow ? { key, lockedUntil: row.lockedUntil! } : null;
      }),
    );
    await this.forgetExpired();
    return locked.filter((l): l is { key: string; lockedUntil: Date } => l !== null);
  }

  /** Forgets the subjects' failures (a successful sign-in forgets the account's, not the IP's). */
  async succeeded(subjects: ThrottleSubject[]): Promise<void> {
    await this.sql`delete from auth_throttle where key in ${this.sql(subjects.map((s) => s.key))}`;
  }

  /** Takes back attempts claimed that were no failed guesses: each row as it was, unless another attempt came since. */
  private async giveBack(claims: Claim[]): Promise<void> {
    for (const { key, at, before } of claims) {
      await this.sql.begin(async (tx) => {
        // judged under the row's lock: a delete at one then a decrement above one, each judged on its own, let two
        // attempts given back at once both miss (the row kept a failure nobody made)
        const [row] = await tx<Array<{ failures: number }>>`select failures from auth_throttle where key = ${key} for update`;
        if (!row) return;
        if (row.failures <= 1) {
          await tx`delete from auth_throttle where key = ${key}`;
          return;
        }
        // the last attempt counted was this one: the row's times go back to the attempt before it
        const last = before && tx`last_failure = ${at}::text::timestamptz`;
        await tx`update auth_throttle set failures = failures - 1,
          last_failure = ${last ? tx`case when ${last} then ${before.lastFailure}::text::timestamptz else last_failure end` : tx`last_failure`},
          forget_at = ${last ? tx`case when ${last} then ${before.forgetAt}::text::timestamptz else forget_at end` : tx`forget_at`}
          where key = ${key}`;
      });
    }
  }

  /** Deletes the rows their policies have forgotten (no failure within the window, no lockout still running). */
  private async forgetExpired(): Promise<void> {
    await this.sql`delete from auth_throttle where forget_at <= now() and (locked_until is null or locked_until <= now())`;
  }
}

/** An attempt counted before it ran: its row's key, when it was counted, and the row's times before it (null: none). */
interface Claim {
  key: string;
  at: string;
  before: { lastFailure: string; forgetAt: string } | null;
}
