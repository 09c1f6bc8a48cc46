/**
 * HMAC-SHA256 request signing for API keys. The client signs
 *   `${timestamp}\n${nonce}\n${METHOD}\n${path and query}\n${hex sha256 of the body}`
 * with its secret and sends X-Api-Key, X-Api-Timestamp (unix seconds), X-Api-Nonce (16 to 64 characters of letters,
 * digits, _ and -, new for every request) and X-Api-Signature (hex). A timestamp outside the window is refused, and
 * a nonce the key used within the window is a replay (services/users-auth/api-key-nonces.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export function canonicalRequest(
  timestamp: string,
  nonce: string,
  method: string,
  pathAndQuery: string,
  body: Uint8Array | string,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${timestamp}\n${nonce}\n${method.toUpperCase()}\n${pathAndQuery}\n${bodyHash}`;
}

export function signRequest(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(canonical).digest('hex');
}

export function signatureMatches(secret: string, canonical: string, signature: string): boolean {
  const expected = Buffer.from(signRequest(secret, canonical), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function timestampFresh(timestamp: string, windowSeconds: number, nowMs = Date.now()): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= windowSeconds;
}
