/**
 * Secrets Sluice must read back (TOTP seeds, API key secrets) are sealed with AES-256-GCM under keys derived from
 * SECRET_KEY, one key per purpose, so a leaked database alone reveals none of them.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export type SealPurpose = 'totp' | 'api-keys' | 'jwt' | 'withdrawal-codes' | 'email-links' | 'webhooks' | 'alert-routes';

export function deriveKey(secretKey: string, purpose: SealPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'sluice', `sluice/${purpose}`, 32));
}

export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
}

export function unseal(key: Buffer, sealed: string): string {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !data) throw new Error('sealed value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
}
