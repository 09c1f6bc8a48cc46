/**
 * Console sessions: a random token in an HttpOnly cookie, of which only the SHA-256 is stored, and the CSRF token
 * every form of that session carries. Expired sessions are refused and swept as they are met.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db/client.js';

export interface ConsoleSession {
  userId: string;
  csrfToken: string;
  /** The user's session version at sign-in: a password change since moves theirs on and ends the session. */
  sessionVersion: number;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
export const randomToken = () => randomBytes(32).toString('base64url');

/** Starts a session; the token goes to the browser and nowhere else. */
export async function createSession(
  db: Db,
  user: { id: string; sessionVersion: number },
  ttlSeconds: number,
): Promise<{ token: string } & ConsoleSession> {
  const token = randomToken();
  const csrfToken = randomToken();
  await db`
    insert into console_sessions (token_hash, user_id, csrf_token, session_version, expires_at)
    values (${hashOf(token)}, ${user.id}, ${csrfToken}, ${user.sessionVersion}, now() + make_interval(secs => ${ttlSeconds}))`;
  return { token, userId: user.id, csrfToken, sessionVersion: user.sessionVersion };
}

export async function sessionByToken(db: Db, token: string): Promise<ConsoleSession | null> {
  const [row] = await db`
    select user_id, csrf_token, session_version from console_sessions where token_hash = ${hashOf(token)} and expires_at > now()`;
  return row
    ? { userId: row.userId as string, csrfToken: row.csrfToken as string, sessionVersion: row.sessionVersion as number }
    : null;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db`delete from console_sessions where token_hash = ${hashOf(token)} or expires_at < now()`;
}
