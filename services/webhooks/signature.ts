/**
 * The `Sluice-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs. While a
 * rotated-out secret is still valid the header carries one `v1` per secret (`t=…,v1=<new>,v1=<old>`), so a merchant
 * verifying with either secret accepts it. The timestamp is part of what is signed, so a replayed request shows its age.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'Sluice-Signature';

export function signatureHeader(body: string, secrets: readonly string[], unixSeconds: number): string {
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`);
  return [`t=${unixSeconds}`, ...signatures].join(',');
}

/** A fresh endpoint secret, shown to the merchant once: `whsec_` and 32 random bytes. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * A user's callback secret, which signs the callbacks of their orders: derived from the webhooks key and the user, so
 * it is never stored in the clear and the user can be shown it again (GET /v1/orders/callback-secret).
 */
export function callbackSecret(key: Buffer, userId: string): string {
  return `whsec_${createHmac('sha256', key).update(`order-callbacks:${userId}`).digest('base64url')}`;
}
