/**
 * Signed, expiring email-verification links: the token names the user, the email it was sent to and when it
 * expires, with an HMAC over all three (key derived from SECRET_KEY for this purpose only). Nothing is stored: a link
 * for an email the user has since changed does not verify the new one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function emailVerificationToken(key: Buffer, user: { id: string; email: string }, expiresAt: Date): string {
  const payload = Buffer.from(JSON.stringify({ u: user.id, e: user.email, x: Math.floor(expiresAt.getTime() / 1000) }));
  return `${payload.toString('base64url')}.${sign(key, payload)}`;
}

export type EmailTokenCheck = { ok: true; userId: string; email: string } | { ok: false; reason: 'invalid' | 'expired' };

export function checkEmailVerificationToken(key: Buffer, token: string, now = new Date()): EmailTokenCheck {
  const [encoded, signature] = token.split('.');
  if (!encoded || !signature) return { ok: false, reason: 'invalid' };
  const payload = Buffer.from(encoded, 'base64url');
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  const { u, e, x } = JSON.parse(payload.toString()) as { u: string; e: string; x: number };
  if (x * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, userId: u, email: e };
}

const sign = (key: Buffer, payload: Buffer) => createHmac('sha256', key).update(payload).digest('base64url');
