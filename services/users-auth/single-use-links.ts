/**
 * Single-use, expiring links (a password reset, a change of mail address): a link is `<id>.<secret>`, the secret
 * derived from the id with the email-links key, so the worker mails the link again from the id alone and no secret
 * travels in a workflow's input or history; only the secret's SHA-256 is stored, in the purpose's table (a row with
 * `user_id`, `secret_hash`, `expires_at`, `used_at`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db } from '../../platform/db/client.js';

/** Each purpose's table; the purpose is also the HMAC's label, so a link of one purpose is no link of another. */
const TABLES = { 'password-reset': 'password_resets', 'email-change': 'email_changes' } as const;
export type LinkPurpose = keyof typeof TABLES;

export function linkSecret(key: Buffer, purpose: LinkPurpose, id: string): string {
  return createHmac('sha256', key).update(`${purpose}:${id}`).digest('base64url');
}

/** What the purpose's table stores of a link: never the secret itself. */
export const linkSecretHash = (key: Buffer, purpose: LinkPurpose, id: string) => sha256(linkSecret(key, purpose, id));

export const linkToken = (key: Buffer, purpose: LinkPurpose, id: string) => `${id}.${linkSecret(key, purpose, id)}`;

/** A refusal of the link, naming `token` with the reason (a 400). */
export const linkRefused = (what: string, reason: string) =>
  new DomainError(ErrorCode.ValidationFailed, `the ${what} is ${reason}`, [{ path: 'token', message: reason }]);

/** The token's id and secret, or the refusal naming `token`: a malformed token is refused before any work for it. */
export function linkParts(token: string, what: string): { id: string; secret: string } {
  const [id, secret] = token.split('.');
  // the id exactly as mailed: PostgreSQL reads a uuid written other ways (hyphens moved) as the same row, and each
  // way would be a throttle subject of its own for guesses at the secret
  if (!id || !secret || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
    throw linkRefused(what, 'invalid');
  return { id, secret };
}

/**
 * The link's row, locked until the transaction ends, if the token is a live link of the purpose; otherwise the
 * refusal naming `token` (invalid, already used, expired). The caller marks it used in the same transaction.
 */
export async function liveLink(
  tx: Db,
  purpose: LinkPurpose,
  token: string,
  what: string,
): Promise<Record<string, unknown> & { userId: string }> {
  const { id, secret } = linkParts(token, what);
  const [link] = await tx`select * from ${tx(TABLES[purpose])} where id = ${id} for update`;
  if (!link || !sameHash(link.secretHash as string, sha256(secret))) throw linkRefused(what, 'invalid');
  if (link.usedAt) throw linkRefused(what, 'already used');
  if ((link.expiresAt as Date) <= new Date()) throw linkRefused(what, 'expired');
  return link as Record<string, unknown> & { userId: string };
}

/** Marks every live link of the purpose the user holds used: using one voids the others. */
export async function useUsersLinks(tx: Db, purpose: LinkPurpose, userId: string): Promise<void> {
  await tx`update ${tx(TABLES[purpose])} set used_at = now() where user_id = ${userId} and used_at is null`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sameHash = (a: string, b: string) => timingSafeEqual(Buffer.from(a), Buffer.from(b));
