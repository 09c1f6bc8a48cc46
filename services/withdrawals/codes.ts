/**
 * A withdrawal's mailed code: derived from the withdrawal and a secret, and stored only as its keyed digest, so the
 * worker that mails and checks it and the API that recognises a repeated confirmation prove a code the same way.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The stored digest of a withdrawal's code (`withdrawal_codes.code_hmac`, hex). */
export function withdrawalCodeHmac(key: Buffer, id: string, code: string): Buffer {
  return createHmac('sha256', key).update(`${id}:${code}`).digest();
}

/**
 * Derived, not drawn at random: an attempt killed between mailing the code and storing it is retried with the same
 * code, so the code the user already received still works (the fault suite's storm found a second, different code mailed).
 */
export function withdrawalCodeFor(key: Buffer, id: string): string {
  return (createHmac('sha256', key).update(`code:${id}`).digest().readUInt32BE(0) % 1_000_000).toString().padStart(6, '0');
}

/** Whether `code` is the one whose digest was stored, compared in constant time. */
export function isStoredCode(key: Buffer, id: string, code: string, storedHmac: string): boolean {
  return timingSafeEqual(Buffer.from(storedHmac, 'hex'), withdrawalCodeHmac(key, id, code));
}
