/**
 * A signed-in user proving it is them before a change to how they sign in (a new password, two-factor enrolment): the
 * current password and, with two-factor on, a code (the sign-in rule, so it exists once), counted as sign-in guesses
 * against the same account. An access token alone, stolen from a browser or a log, makes none of these changes.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { attemptSubjects } from '../security/client.js';
import { signIn } from './sign-in.js';
import type { SignInGuard } from './second-factor.js';
import type { User } from './users-store.js';

export interface CurrentPasswordProof {
  email: string;
  password: string;
  totp?: string;
  ip: string;
}

/** The user the proof signs in, or a DomainError naming `current_password` (or the second factor's field). */
export async function proveCurrentPassword(guard: SignInGuard, proof: CurrentPasswordProof): Promise<User> {
  try {
    return await guard.throttle.guard({
      subjects: attemptSubjects(guard.policies, 'login', proof.email, proof.ip),
      attempt: () => signIn(guard, proof),
      isFailure: (error) =>
        error instanceof DomainError && (error.code === ErrorCode.Unauthenticated || error.code === ErrorCode.TotpInvalid),
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.Unauthenticated) {
      throw new DomainError(ErrorCode.Unauthenticated, 'the current password is wrong', [
        { path: 'current_password', message: 'is wrong' },
      ]);
    }
    throw error;
  }
}
