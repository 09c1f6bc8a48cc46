/**
 * Whom a market socket acts for, kept true for as long as the socket stays open. A request is authenticated once; a
 * socket's `auth` lasts, so it is withdrawn when its access token expires and when the user would now be refused
 * (disabled, removed, a new IP allow-list, a password change): the user directory tells of every change to the user's row, made on any
 * API process, within milliseconds of its commit, and the socket reads the user again then.
 */
import type { UserDirectory } from '../../services/users-auth/directory.js';
import type { Tokens, VerifiedAccess } from '../../services/users-auth/tokens.js';
import { accessRevocation, principalRefusal } from './guards.js';

export interface SocketAccessDeps {
  users: Pick<UserDirectory, 'principal' | 'watchUser'>;
  tokens: Pick<Tokens, 'verifyAccess'>;
}

/** One sign-in: watched from before its user is first read, so no change can slip between the read and the watch. */
interface Grant extends VerifiedAccess {
  stopWatching(): void;
  /** Set once the grant is the socket's. */
  expiry?: NodeJS.Timeout;
  /** A change was heard: a read in flight may have returned the row from before it. */
  changed: boolean;
}

export class SocketAccess {
  private grant: Grant | null = null;
  private closed = false;

  constructor(
    private readonly deps: SocketAccessDeps,
    private readonly ip: string,
    /** The sign-in was withdrawn, and why: the socket ends what it served under it. */
    private readonly withdrawn: (reason: string) => void,
  ) {}

  get userId(): string | null {
    return this.grant?.userId ?? null;
  }

  /** Signs the socket in with an access token; answers why not when refused, and the socket then stays as it was. */
  async signIn(token: string): Promise<string | null> {
    const access = await this.deps.tokens.verifyAccess(token);
    if (!access) return 'invalid or expired token';
    const grant = this.watch(access);
    const refusal = await this.refusal(grant).catch((error: unknown) => {
      this.release(grant);
      throw error;
    });
    if (refusal || this.closed) {
      this.release(grant);
      return refusal ?? 'the socket closed';
    }
    const previous = this.grant;
    this.grant = grant;
    grant.expiry = setTimeout(
      () => this.withdraw(grant, 'the access token expired: authenticate again'),
      grant.expiresAtMs - Date.now(),
    );
    grant.expiry.unref();
    // the same user again (a fresh token) keeps what the socket serves them; another user's sign-in ends it
    if (previous?.userId === grant.userId) this.release(previous);
    else if (previous) this.end(previous, 'authenticated as another user');
    return null;
  }

  /** The socket closed. */
  close(): void {
    this.closed = true;
    if (this.grant) this.release(this.grant);
    this.grant = null;
  }

  private watch(access: VerifiedAccess): Grant {
    const grant: Grant = {
      ...access,
      changed: false,
      stopWatching: this.deps.users.watchUser(access.userId, () => {
        grant.changed = true;
        if (grant === this.grant) void this.recheck(grant);
      }),
    };
    return grant;
  }

  private async recheck(grant: Grant): Promise<void> {
    let refusal: string | null;
    try {
      refusal = await this.refusal(grant);
    } catch {
      // the user could not be read: the sign-in cannot be vouched for, so it ends (the client may sign in again)
      refusal = 'could not confirm the sign-in: authenticate again';
    }
    if (refusal) this.withdraw(grant, refusal);
  }

  /** Why the grant's user is refused now, read until no change was heard during the read. */
  private async refusal(grant: Grant): Promise<string | null> {
    let user;
    do {
      grant.changed = false;
      user = await this.deps.users.principal(grant.userId);
    } while (grant.changed);
    if (!user) return 'the account no longer exists';
    return (principalRefusal(user, this.ip) ?? accessRevocation(user, grant))?.message ?? null;
  }

  private withdraw(grant: Grant, reason: string): void {
    if (grant !== this.grant) return;
    this.grant = null;
    this.end(grant, reason);
  }

  private end(grant: Grant, reason: string): void {
    this.release(grant);
    this.withdrawn(reason);
  }

  private release(grant: Grant): void {
    grant.stopWatching();
    clearTimeout(grant.expiry);
  }
}
