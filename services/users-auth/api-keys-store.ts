/** API keys: an id sent in the clear and a secret, sealed at rest, that signs each request. */
import type { Db } from '../../platform/db/client.js';
import type { ApiKeyScope } from './api-key-scopes.js';

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  scopes: ApiKeyScope[];
  /** CIDR blocks the key may be used from; empty: wherever its user may. */
  ipAllowlist: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const toApiKey = (r: Record<string, unknown>): ApiKey => ({
  id: r.id as string,
  userId: r.userId as string,
  name: r.name as string,
  scopes: r.scopes as ApiKeyScope[],
  ipAllowlist: (r.ipAllowlist as string[] | null) ?? [],
  createdAt: r.createdAt as Date,
  lastUsedAt: (r.lastUsedAt as Date | null) ?? null,
  revokedAt: (r.revokedAt as Date | null) ?? null,
});

export async function insertApiKey(
  db: Db,
  key: { id: string; userId: string; name: string; secretSealed: string; scopes: ApiKeyScope[]; ipAllowlist: string[] },
): Promise<ApiKey> {
  const [row] = await db`
    insert into api_keys (id, user_id, name, secret_sealed, scopes, ip_allowlist)
    values (${key.id}, ${key.userId}, ${key.name}, ${key.secretSealed}, ${db.array(key.scopes)}::text[], ${db.array(key.ipAllowlist)}::cidr[])
    returning id, user_id, name, scopes, ip_allowlist, created_at, last_used_at, revoked_at`;
  return toApiKey(row!);
}

export async function listApiKeys(db: Db, userId: string): Promise<ApiKey[]> {
  const rows = await db`
    select id, user_id, name, scopes, ip_allowlist, created_at, last_used_at, revoked_at from api_keys
    where user_id = ${userId} order by created_at desc`;
  return rows.map(toApiKey);
}

export async function activeApiKey(
  db: Db,
  id: string,
): Promise<{ userId: string; secretSealed: string; scopes: ApiKeyScope[]; ipAllowlist: string[] } | null> {
  const [row] =
    await db`select user_id, secret_sealed, scopes, ip_allowlist from api_keys where id = ${id} and revoked_at is null`;
  return row
    ? { userId: row.userId, secretSealed: row.secretSealed, scopes: row.scopes, ipAllowlist: row.ipAllowlist ?? [] }
    : null;
}

export async function touchApiKey(db: Db, id: string): Promise<void> {
  // at most once a minute: the hot path must not write on every request
  await db`update api_keys set last_used_at = now() where id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}

export async function revokeApiKey(db: Db, userId: string, id: string): Promise<boolean> {
  const rows =
    await db`update api_keys set revoked_at = now() where id = ${id} and user_id = ${userId} and revoked_at is null returning id`;
  return rows.length > 0;
}

/** Revokes every active key of the user (a password reset: keys made with a stolen password must stop); their ids. */
export async function revokeAllApiKeys(db: Db, userId: string): Promise<string[]> {
  const rows = await db`update api_keys set revoked_at = now() where user_id = ${userId} and revoked_at is null returning id`;
  return rows.map((r) => r.id as string);
}
