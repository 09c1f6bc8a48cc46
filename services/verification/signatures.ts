/**
 * The KYC provider's two HMACs, as SumSub documents them. Requests to it are signed: X-App-Access-Sig is the hex
 * HMAC-SHA256, keyed by the app's secret key, of ts + METHOD + path with query + body (X-App-Access-Ts: unix
 * seconds). Its webhooks are signed: X-Payload-Digest is the hex HMAC of the raw body keyed by the webhook secret,
 * with the hash X-Payload-Digest-Alg names.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function requestSignature(secretKey: string, ts: string, method: string, pathWithQuery: string, body: string): string {
  return createHmac('sha256', secretKey)
    .update(ts + method.toUpperCase() + pathWithQuery + body)
    .digest('hex');
}

const DIGEST_ALGORITHMS: Record<string, string> = {
  HMAC_SHA1_HEX: 'sha1',
  HMAC_SHA256_HEX: 'sha256',
  HMAC_SHA512_HEX: 'sha512',
};

export function payloadDigest(secret: string, algorithm: string, body: string): string | null {
  const hash = DIGEST_ALGORITHMS[algorithm];
  return hash ? createHmac(hash, secret).update(body).digest('hex') : null;
}

/** Whether the webhook's digest matches its raw body (an unknown algorithm never does). */
export function webhookSigned(secret: string, algorithm: string | undefined, digest: string | undefined, body: string): boolean {
  const expected = payloadDigest(secret, algorithm ?? 'HMAC_SHA256_HEX', body);
  if (!expected || !digest || digest.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(digest), Buffer.from(expected));
}
