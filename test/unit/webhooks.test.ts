import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyAnswer, retryDelayAfter, RETRY_DELAYS_MS } from '../../domain/webhooks/delivery.js';
import { eventBody } from '../../domain/webhooks/events.js';
import { endpointUrlProblem, nonPublicReason } from '../../services/webhooks/outbound-address.js';
import { newEndpointSecret, signatureHeader } from '../../services/webhooks/signature.js';
import { verifySluiceSignature } from '../support/readme-signature-check.js';

describe('webhook signatures', () => {
  it('are t=<unix>,v1=<hex HMAC-SHA256 of "t.body"> under the secret', () => {
    const body = '{"id":"e1"}';
    const header = signatureHeader(body, ['whsec_a'], 1_700_000_000);
    const expected = createHmac('sha256', 'whsec_a').update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('carry one v1 per valid secret during a rotation, the new one first', () => {
    const header = signatureHeader('{}', ['new', 'old'], 5);
    const v1 = header.split(',').slice(1);
    expect(v1).toEqual([
      `v1=${createHmac('sha256', 'new').update('5.{}').digest('hex')}`,
      `v1=${createHmac('sha256', 'old').update('5.{}').digest('hex')}`,
    ]);
  });

  it("verify with README's merchant-side check as printed: either secret in a rotation, not another, not a stale one", () => {
    const [secret, old] = [newEndpointSecret(), newEndpointSecret()];
    const body = eventBody({ id: 'invoice:1:settled', type: 'invoice.settled', data: { note: 'café ✓' } }, new Date());
    const now = Math.floor(Date.now() / 1000);
    expect(verifySluiceSignature(signatureHeader(body, [secret], now), body, secret)).toBe(true);
    expect(verifySluiceSignature(signatureHeader(body, [secret, old], now), body, old)).toBe(true);
    expect(verifySluiceSignature(signatureHeader(body, [secret, old], now), body, secret)).toBe(true);
    expect(verifySluiceSignature(signatureHeader(body, [secret], now), body, old)).toBe(false);
    expect(verifySluiceSignature(signatureHeader(body, [secret], now), `${body} `, secret)).toBe(false);
    expect(verifySluiceSignature(signatureHeader(body, [secret], now - 301), body, secret)).toBe(false);
  });

  it('use fresh 32-byte secrets', () => {
    const secret = newEndpointSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newEndpointSecret()).not.toBe(secret);
  });
});

describe('webhook answers and the retry schedule', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [500, 'retry'],
    [503, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [null, 'retry'],
    [400, 'final'],
    [401, 'final'],
    [404, 'final'],
    [410, 'final'],
    [301, 'final'],
    [302, 'final'],
    [100, 'final'],
  ] as const)('%s is %s', (status, outcome) => {
    expect(classifyAnswer(status)).toBe(outcome);
  });

  it("is BTCPay's: 10 s, 1 min, then 6 × 10 min, nine attempts in all", () => {
    expect(RETRY_DELAYS_MS).toEqual([10_000, 60_000, 600_000, 600_000, 600_000, 600_000, 600_000, 600_000]);
    expect(retryDelayAfter(1, RETRY_DELAYS_MS)).toBe(10_000);
    expect(retryDelayAfter(2, RETRY_DELAYS_MS)).toBe(60_000);
    expect(retryDelayAfter(8, RETRY_DELAYS_MS)).toBe(600_000);
    expect(retryDelayAfter(9, RETRY_DELAYS_MS)).toBeNull();
  });
});

describe('webhook event bodies', () => {
  it('are id, type, created_at, data in that order', () => {
    const body = eventBody({ id: 'x:1', type: 'invoice.settled', data: { a: '1' } }, new Date('2026-01-02T03:04:05Z'));
    expect(body).toBe('{"id":"x:1","type":"invoice.settled","created_at":"2026-01-02T03:04:05.000Z","data":{"a":"1"}}');
  });
});

describe('outbound webhook addresses', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.8.9.10', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['0.0.0.0', 'a "this network" address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['::', 'the unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fd00::1', 'a private (unique local) address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:10.0.0.1', 'a private address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['64:ff9b::a00:1', 'a NAT64 address'],
  ])('%s is %s', (address, reason) => {
    expect(nonPublicReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(nonPublicReason(address)).toBeNull();
  });

  it('refuses non-public and non-https endpoint URLs in production, and allows them in dev', () => {
    expect(endpointUrlProblem('https://shop.example/hooks', false)).toBeNull();
    expect(endpointUrlProblem('http://shop.example/hooks', false)).toBe('must be an https URL');
    expect(endpointUrlProblem('https://127.0.0.1/x', false)).toBe('must not point to a loopback address');
    expect(endpointUrlProblem('https://[::1]:8443/x', false)).toBe('must not point to a loopback address');
    expect(endpointUrlProblem('https://169.254.169.254/latest', false)).toBe('must not point to a link-local address');
    expect(endpointUrlProblem('https://user:pw@shop.example/', false)).toBe('must not carry credentials');
    expect(endpointUrlProblem('ftp://shop.example/', true)).toBe('must be an http(s) URL');
    expect(endpointUrlProblem('not a url', true)).toBe('must be an absolute URL');
    expect(endpointUrlProblem('http://127.0.0.1:9000/x', true)).toBeNull();
  });
});
