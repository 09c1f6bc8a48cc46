/**
 * Who may sign in: the password, the IP allow-list and, when enabled, the TOTP code. The API's token endpoint and the
 * operator console both sign people in through here, so the rule exists once.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { verifyPassword } from '../../platform/crypto/passwords.js';
import { ipAllowed } from './ip-allowlist.js';
import { checkSecondFactorCode, type SignInGuard } from './second-factor.js';
import { userWithSecretsByEmail, type User, type UserWithSecrets } from './users-store.js';

export interface Credentials {
  email: string;
  password: string;
  totp?: string;
  /** The caller's address, checked against the user's allow-list. */
  ip: string;
  /** The caller's User-Agent, told to the user when the address is new to them. */
  userAgent?: string;
}

/**
 * The user these credentials sign in, or a DomainError saying what is missing or wrong. The user carries the session
 * version read with the password checked: a session started from it is refused once a change has moved it on.
 */
export async function signIn(guard: SignInGuard, credentials: Credentials): Promise<User> {
  const user = await userWithSecretsByEmail(guard.sql, credentials.email);
  if (!(await verifyPassword(user?.passwordHash ?? null, credentials.password)) || !user) throw wrongCredentials();
  return admit(guard, user, credentials);
}

/** A wrong email or password, or a password a change or reset replaced while it was being checked. */
export function wrongCredentials(): DomainError {
  return new DomainError(ErrorCode.Unauthenticated, 'invalid email or password');
}

/**
 * What every way of signing in checks once it knows who the user is (by password, by Telegram): not disabled, an
 * allowed address, and the TOTP code when two-factor is on, counted against the user's one budget of code guesses
 * (second-factor.ts) besides the sign-in path's own: reaching the account by email and by Telegram gives no more.
 */
export async function admit(
  guard: SignInGuard,
  user: UserWithSecrets,
  credentials: { totp?: string; ip: string },
): Promise<User> {
  checkSessionStart(user, credentials.ip);
  if (user.totpEnabled) {
    await checkSecondFactorCode(guard, {
      userId: user.id,
      ip: credentials.ip,
      sealedSecret: user.totpSecret!,
      lastStep: user.totpLastStep,
      code: credentials.totp,
      field: 'totp',
    });
  }
  const { passwordHash: _hash, totpSecret: _secret, totpLastStep: _step, ...plain } = user;
  return plain;
}

/** Whether the user may start or renew a session from this address (a sign-in, a token refresh): not disabled, an allowed address. */
export function checkSessionStart(user: User, ip: string): void {
  if (user.disabled) throw new DomainError(ErrorCode.Unauthenticated, 'this account is disabled');
  if (!ipAllowed(ip, user.ipAllowlist)) {
    throw new DomainError(ErrorCode.IpNotAllowed, 'logins from this IP address are not on your allow-list');
  }
}
