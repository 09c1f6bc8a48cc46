import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requestSignature, webhookSigned } from '../../services/verification/signatures.js';

describe('KYC provider signatures', () => {
  it('sign a request as SumSub documents: HMAC-SHA256 hex of ts + METHOD + path + body', () => {
    const body = '{"externalUserId":"u-1"}';
    const expected = createHmac('sha256', 'secret')
      .update('1764547200POST/resources/applicants?levelName=basic-kyc-level' + body)
      .digest('hex');
    expect(requestSignature('secret', '1764547200', 'post', '/resources/applicants?levelName=basic-kyc-level', body)).toBe(
      expected,
    );
  });

  it('accept a webhook only with the digest of its exact body, in the algorithm it names', () => {
    const body = '{"type":"applicantReviewed","applicantId":"a1"}';
    const sha256 = createHmac('sha256', 'hook').update(body).digest('hex');
    const sha1 = createHmac('sha1', 'hook').update(body).digest('hex');
    expect(webhookSigned('hook', 'HMAC_SHA256_HEX', sha256, body)).toBe(true);
    expect(webhookSigned('hook', undefined, sha256, body)).toBe(true); // SHA-256 when the algorithm is not named
    expect(webhookSigned('hook', 'HMAC_SHA1_HEX', sha1, body)).toBe(true);
    expect(webhookSigned('hook', 'HMAC_SHA1_HEX', sha256, body)).toBe(false);
    expect(webhookSigned('hook', 'HMAC_SHA256_HEX', sha256, body.replace('a1', 'a2'))).toBe(false);
    expect(webhookSigned('other', 'HMAC_SHA256_HEX', sha256, body)).toBe(false);
    expect(webhookSigned('hook', 'MD5', sha256, body)).toBe(false);
    expect(webhookSigned('hook', 'HMAC_SHA256_HEX', undefined, body)).toBe(false);
  });
});
