/** Users, their roles, second factor and IP allow-list. */
import type { Db } from '../../platform/db/client.js';

export const ROLES = ['user', 'merchant', 'operator', 'admin', 'line_provider'] as const;
export type Role = (typeof ROLES)[number];
/**
 * Who run the platform and act on any user's resources: the API's operator routes, the console's sign-in and its
 * pages let them in. The one list, so the API and the console cannot disagree about who is an operator.
 */
export const OPERATOR_ROLES: readonly Role[] = ['operator', 'admin'];
/** Who may change roles, disable users, route alerts and broadcast: the API's admin routes and the console's. */
export const ADMIN_ROLES: readonly Role[] = ['admin'];

export interface User {
  id: string;
  email: string;
  role: Role;
  totpEnabled: boolean;
  ipAllowlist: string[];
  /** Disabled by an admin: refused at log-in and on every request. */
  disabled: boolean;
  createdAt: Date;
  /** Choose the settings that apply to the user (services/settings): their group, if any, and KYC level (0: none). */
  groupId: string | null;
  verificationLevel: number;
  /** individual, merchant, or another kind from account_types. */
  accountType: string;
  /** Opened the link mailed at registration (or an operator said so); unverified users cannot withdraw. */
  emailVerified: boolean;
  /** Identity verification (KYC): none, pending, verified or rejected. */
  verificationStatus: string;
  /** Moves on when the password changes: tokens and console sessions of an earlier version are refused. */
  sessionVersion: number;
}

export interface UserWithSecrets extends User {
  passwordHash: string;
  totpSecret: string | null;
  /** The time step of the last TOTP code accepted (a code works once), null before the first. */
  totpLastStep: number | null;
}

const columns = (db: Db) =>
  db`id, email, role, totp_enabled, ip_allowlist, disabled_at, created_at, group_id, verification_level, account_type,
  email_verified_at, verification_status, session_version`;

function toUser(r: Record<string, unknown>): User {
  return {
    id: r.id as string,
    email: r.email as string,
    role: r.role as Role,
    totpEnabled: r.totpEnabled as boolean,
    ipAllowlist: (r.ipAllowlist as string[] | null) ?? [],
    disabled: r.disabledAt !== null,
    createdAt: r.createdAt as Date,
    groupId: (r.groupId as string | null) ?? null,
    verificationLevel: r.verificationLevel as number,
    accountType: r.accountType as string,
    emailVerified: r.emailVerifiedAt !== null,
    verificationStatus: r.verificationStatus as string,
    sessionVersion: r.sessionVersion as number,
  };
}

/** Inserts a user; returns null when the email is taken. */
export async function insertUser(db: Db, user: { email: string; passwordHash: string; role: Role }): Promise<User | null> {
  const [row] = await db`
    insert into users (email, password_hash, role) values (${user.email}, ${user.passwordHash}, ${user.role})
    on conflict (email) do nothing
    returning ${columns(db)}`;
  return row ? toUser(row) : null;
}

export async function userById(db: Db, id: string): Promise<User | null> {
  const [row] = await db`select ${columns(db)} from users where id = ${id}`;
  return row ? toUser(row) : null;
}

export async function userByEmail(db: Db, email: string): Promise<User | null> {
  const [row] = await db`select ${columns(db)} from users where email = ${email}`;
  return row ? toUser(row) : null;
}

const withSecrets = (row: Record<string, unknown>): UserWithSecrets => ({
  ...toUser(row),
  passwordHash: row.passwordHash as string,
  totpSecret: row.totpSecret as string | null,
  totpLastStep: row.totpLastStep as number | null,
});

export async function userWithSecretsByEmail(db: Db, email: string): Promise<UserWithSecrets | null> {
  const [row] = await db`select ${columns(db)}, password_hash, totp_secret, totp_last_step from users where email = ${email}`;
  return row ? withSecrets(row) : null;
}

export async function userWithSecretsById(db: Db, id: string): Promise<UserWithSecrets | null> {
  const [row] = await db`select ${columns(db)}, password_hash, totp_secret, totp_last_step from users where id = ${id}`;
  return row ? withSecrets(row) : null;
}

export async function totpSecretOf(
  db: Db,
  id: string,
): Promise<{ secret: string | null; enabled: boolean; lastStep: number | null }> {
  const [row] = await db`select totp_secret, totp_enabled, totp_last_step from users where id = ${id}`;
  return { secret: row?.totpSecret ?? null, enabled: row?.totpEnabled ?? false, lastStep: row?.totpLastStep ?? null };
}

/** Sets the second factor; a new secret starts with no code used (the last step is the old secret's). */
export async function setTotp(db: Db, id: string, totp: { sealedSecret: string | null; enabled: boolean }): Promise<void> {
  await db`
    update users set totp_secret = ${totp.sealedSecret}, totp_enabled = ${totp.enabled},
      totp_last_step = case when totp_secret is not distinct from ${totp.sealedSecret} then totp_last_step end
    where id = ${id}`;
}

/**
 * Records `step` as the step of the user's last TOTP code accepted, unless one as late is recorded already: false then.
 * One statement decides, so of two requests with the same code one records it and the other is refused.
 */
export async function recordTotpStep(db: Db, id: string, step: number): Promise<boolean> {
  const rows = await db`
    update users set totp_last_step = ${step}
    where id = ${id} and (totp_last_step is null or totp_last_step < ${step})
    returning 1`;
  return rows.length > 0;
}

export async function setIpAllowlist(db: Db, id: string, cidrs: string[]): Promise<void> {
  await db`update users set ip_allowlist = ${db.array(cidrs)}::cidr[] where id = ${id}`;
}

export async function setRole(db: Db, id: string, role: Role): Promise<User | null> {
  const [row] = await db`update users set role = ${role} where id = ${id} returning ${columns(db)}`;
  return row ? toUser(row) : null;
}

export async function setDisabled(db: Db, id: string, disabled: boolean): Promise<User | null> {
  const [row] = await db`
    update users set disabled_at = case when ${disabled} then coalesce(disabled_at, now()) end where id = ${id}
    returning ${columns(db)}`;
  return row ? toUser(row) : null;
}

/** Sets the password and signs every session out (the session version moves on); the caller revokes refresh tokens. */
export async function setPasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  await db`update users set password_hash = ${passwordHash}, session_version = session_version + 1 where id = ${id}`;
}

/**
 * The user a refresh token belongs to, their row locked until the transaction ends: a user's refreshes, reuses and
 * password changes take turns, so each sees every token the one before it issued or revoked.
 */
export async function lockOwnerOfRefreshToken(db: Db, tokenId: string): Promise<User | null> {
  const [row] = await db`
    select ${columns(db)} from users where id = (select user_id from refresh_tokens where id = ${tokenId})
    for no key update`;
  return row ? toUser(row) : null;
}

/** By id; `emailPrefix` narrows to the emails starting with it (the operators' search). */
export async function listUsers(
  db: Db,
  page: { after?: string; limit: number; role?: Role; emailPrefix?: string },
): Promise<User[]> {
  const prefix = page.emailPrefix?.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`);
  const rows = await db`
    select ${columns(db)} from users
    where true ${page.after ? db`and id > ${page.after}` : db``} ${page.role ? db`and role = ${page.role}` : db``}
    ${prefix ? db`and email like ${`${prefix}%`}` : db``}
    order by id limit ${page.limit}`;
  return rows.map(toUser);
}
