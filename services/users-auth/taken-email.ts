/**
 * An address another account has is refused with a 409 `email_taken` naming `email`, wherever an account takes a new
 * one (an account made from Telegram adding its own, an ordinary account changing it): looked up before the owner
 * proof spends a code on a request that cannot succeed, and held by the unique index on users.email when written, so
 * an address taken in between is refused the same way.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { PgError, pgErrorCode, type Db } from '../../platform/db/client.js';
import { attemptSubjects, type AttemptThrottle, type AuthThrottlePolicies } from '../security/client.js';
import { userByEmail } from './users-store.js';

const emailTaken = () =>
  new DomainError(ErrorCode.EmailTaken, 'an account with this email exists', [{ path: 'email', message: 'is taken' }]);

export async function refuseTakenEmail(db: Db, email: string): Promise<void> {
  if (await userByEmail(db, email)) throw emailTaken();
}

/** The sign-in throttle and its policies (the API's security settings). */
export interface TakenEmailThrottle {
  throttle: AttemptThrottle;
  throttlePolicies: AuthThrottlePolicies;
}

/**
 * Runs a request's refusals before the owner proof, refuseTakenEmail among them: told before any proof, a taken
 * address would tell any session which addresses have accounts, so each `email_taken` counts against the account and
 * its client IP as a failed sign-in does (then a 429), and the request tells it no faster than registration does. Both
 * ways of taking an address count on the same subjects: one budget, however the asker comes.
 */
export async function refuseCountingTakenEmail(
  { throttle, throttlePolicies }: TakenEmailThrottle,
  asker: { userId: string; ip: string },
  refusals: () => Promise<void>,
): Promise<void> {
  await throttle.guard({
    subjects: attemptSubjects(throttlePolicies, 'email-change', `user:${asker.userId}`, asker.ip),
    attempt: refusals,
    isFailure: (error) => error instanceof DomainError && error.code === ErrorCode.EmailTaken,
  });
}

/** Runs the write that gives an account the address; the unique index's refusal becomes the 409. */
export async function takingEmail<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (pgErrorCode(error) === PgError.UniqueViolation) throw emailTaken();
    throw error;
  }
}
