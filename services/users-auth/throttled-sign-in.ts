/**
 * Sign-in behind the attempt throttle (services/security): a wrong password or second-factor code counts against the
 * account and the client IP, and refusals are 429s until the wait is over. Every outcome is a security event; a
 * lockout also notifies the account's owner, and so does a sign-in from an address new to the account. The API's token endpoint and the console sign in through here.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { notifyUser } from '../notifications/client.js';
import { attemptSubjects, recordSecurityEvent } from '../security/client.js';
import type { SignInGuard } from './second-factor.js';
import { signIn, type Credentials } from './sign-in.js';
import { rememberSignInIp } from './sign-in-ips.js';
import { userByEmail, type User } from './users-store.js';

const FAILED_GUESSES = new Set<string>([ErrorCode.Unauthenticated, ErrorCode.TotpInvalid]);

export async function throttledSignIn(guard: SignInGuard, credentials: Credentials): Promise<User> {
  const { sql, throttle, policies } = guard;
  const { email, ip } = credentials;
  try {
    const user = await throttle.guard({
      subjects: attemptSubjects(policies, 'login', email, ip),
      attempt: () => signIn(guard, credentials),
      isFailure: (error) => error instanceof DomainError && FAILED_GUESSES.has(error.code),
      onAccountLocked: async (lockedUntil) => {
        const owner = await userByEmail(sql, email);
        await recordSecurityEvent(sql, {
          kind: 'login_locked',
          userId: owner?.id,
          ip,
          detail: { email, locked_until: lockedUntil },
        });
        if (!owner) return;
        await notifyUser(sql, {
          eventId: `login-locked:${owner.id}:${lockedUntil.toISOString()}`,
          userId: owner.id,
          type: 'login_locked',
          severity: 'warning',
          title: 'Sign-in locked after repeated failed attempts',
          data: { locked_until: lockedUntil.toISOString(), ip },
        });
      },
    });
    await recordSecurityEvent(sql, { kind: 'login_succeeded', userId: user.id, ip });
    await rememberSignInIp(sql, user.id, { ip, userAgent: credentials.userAgent });
    return user;
  } catch (error) {
    if (error instanceof DomainError && error.code !== ErrorCode.TotpRequired) {
      const owner = await userByEmail(sql, email);
      await recordSecurityEvent(sql, { kind: 'login_failed', userId: owner?.id, ip, detail: { email, reason: error.code } });
    }
    throw error;
  }
}
