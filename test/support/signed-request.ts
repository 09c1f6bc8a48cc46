/** Headers of a request signed with an API key, as a client computes them (services/users-auth/request-signature.ts). */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export function signedHeaders(
  key: { id: string; secret: string },
  method: string,
  path: string,
  body = '',
  timestamp = Math.floor(Date.now() / 1000),
  nonce = randomBytes(16).toString('hex'),
): Record<string, string> {
  const canonical = `${timestamp}\n${nonce}\n${method}\n${path}\n${createHash('sha256').update(body).digest('hex')}`;
  return {
    'x-api-key': key.id,
    'x-api-timestamp': String(timestamp),
    'x-api-nonce': nonce,
    'x-api-signature': createHmac('sha256', key.secret).update(canonical).digest('hex'),
  };
}
