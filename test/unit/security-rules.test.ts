/**
 * The security pass's pure rules: the throttle's waits, API key scopes per route, allow-list entries, 405's methods
 * per path, which TOTP codes are accepted, who is an operator, and the client address behind a proxy.
 */
import { Hono } from 'hono';
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { clientIp } from '../../api/http/client-ip.js';
import { allowedMethods } from '../../api/http/method-not-allowed.js';
import { newTotpSecret, totpCodeStep } from '../../platform/crypto/totp.js';
import { waitMs, type ThrottlePolicy } from '../../services/security/throttle.js';
import { scopeForRequest } from '../../services/users-auth/api-key-scopes.js';
import { parseCidr } from '../../services/users-auth/ip-allowlist.js';
import { ADMIN_ROLES, OPERATOR_ROLES, ROLES } from '../../services/users-auth/users-store.js';
import { isOperator } from '../../api/http/roles.js';

const policy: ThrottlePolicy = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  lockAfter: 10,
  lockoutMs: 900_000,
  forgetAfterMs: 3_600_000,
};
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, seconds));

describe('throttle waits', () => {
  it('are free for the first failures, then double from the last failure', () => {
    const row = (failures: number, now: Date) => ({ failures, lastFailure: at(0), lockedUntil: null, now });
    expect(waitMs(row(2, at(0)), policy)).toBe(0);
    expect(waitMs(row(3, at(0)), policy)).toBe(1_000);
    expect(waitMs(row(4, at(0)), policy)).toBe(2_000);
    expect(waitMs(row(6, at(0)), policy)).toBe(8_000);
    expect(waitMs(row(6, at(5)), policy)).toBe(3_000);
    expect(waitMs(row(6, at(9)), policy)).toBe(0);
  });

  it('never exceed the lockout, hold until a lock ends, and forget old failures', () => {
    expect(waitMs({ failures: 9, lastFailure: at(0), lockedUntil: null, now: at(0) }, { ...policy, lockoutMs: 5_000 })).toBe(
      5_000,
    );
    expect(waitMs({ failures: 10, lastFailure: at(0), lockedUntil: at(30), now: at(10) }, policy)).toBe(20_000);
    expect(waitMs({ failures: 10, lastFailure: at(0), lockedUntil: at(30), now: at(31) }, policy)).toBe(0);
    const old = { failures: 9, lastFailure: at(0), lockedUntil: null, now: new Date(at(0).getTime() + 3_600_000) };
    expect(waitMs(old, policy)).toBe(0);
  });
});

describe('API key scopes', () => {
  it.each([
    ['GET', '/v1/withdrawals', 'read'],
    ['HEAD', '/v1/balances', 'read'],
    ['POST', '/v1/withdrawals', 'withdraw'],
    ['POST', '/v1/withdrawals/abc/cancel', 'withdraw'],
    ['POST', '/v1/transfers', 'withdraw'],
    ['POST', '/v1/transfers/12/repeat', 'withdraw'],
    ['POST', '/v1/invoices/0d7c9a52-3f5e-4a43-9a59-1b2c3d4e5f60/pay', 'withdraw'],
    ['POST', '/v1/invoices', 'trade'],
    ['POST', '/v1/invoices/0d7c9a52-3f5e-4a43-9a59-1b2c3d4e5f60/checkout', 'trade'],
    ['POST', '/v1/exchange/quotes/0d7c9a52-3f5e-4a43-9a59-1b2c3d4e5f60/accept', 'trade'],
    ['POST', '/v1/bets', 'trade'],
    ['POST', '/v1/orders', 'trade'],
    ['DELETE', '/v1/orders/1', 'trade'],
    ['POST', '/v1/withdrawalsx', 'trade'],
    // an operator's writes that move money
    ['POST', '/v1/ops/adjustments', 'withdraw'],
    ['POST', '/v1/ops/withdrawals/abc/approve', 'withdraw'],
    ['POST', '/v1/ops/withdrawals/abc/reject', 'withdraw'],
    ['POST', '/v1/ops/withdrawals/abc/close', 'withdraw'],
    ['POST', '/v1/ops/deposits/abc/credit', 'withdraw'],
    ['POST', '/v1/ops/xrpl/unmatched/ABC/assign', 'withdraw'],
    ['POST', '/v1/ops/invoices/abc/mark', 'withdraw'],
    ['POST', '/v1/ops/custody-adjustments', 'withdraw'],
    ['POST', '/v1/ops/exchange/inventory', 'withdraw'],
    ['GET', '/v1/ops/withdrawals', 'read'],
    // and the ones that do not
    ['PUT', '/v1/ops/settings/withdrawals/USD', 'trade'],
    ['PUT', '/v1/ops/providers', 'trade'],
    ['POST', '/v1/ops/markets/BTC-USD/halt', 'trade'],
  ])('%s %s needs %s', (method, path, scope) => {
    expect(scopeForRequest(method, path)).toBe(scope);
  });
});

describe('allow-list entries', () => {
  it('are addresses or CIDR blocks, normalised to a block', () => {
    expect(parseCidr(' 10.0.0.1 ')).toEqual({ cidr: '10.0.0.1/32' });
    expect(parseCidr('10.0.0.0/24')).toEqual({ cidr: '10.0.0.0/24' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ cidr: '0.0.0.0/0' });
    expect(parseCidr('2001:db8::1')).toEqual({ cidr: '2001:db8::1/128' });
    expect(parseCidr('2001:db8:0:0:8000::/65')).toEqual({ cidr: '2001:db8:0:0:8000::/65' });
    expect(parseCidr('::ffff:10.0.0.0/120')).toEqual({ cidr: '::ffff:10.0.0.0/120' });
    for (const text of ['not an ip', '10.0.0.0/33', '10.0.0.0/x', '10.0.0.0/8/8', '::/129', '']) {
      expect(parseCidr(text)).toEqual({ problem: 'must be an IPv4 or IPv6 address or CIDR block' });
    }
  });

  it("refuse what PostgreSQL's cidr refuses: host bits past the prefix, naming the block meant, and a zone id", () => {
    expect(parseCidr('10.0.0.1/24')).toEqual({ problem: 'has host bits set past /24: did you mean 10.0.0.0/24?' });
    expect(parseCidr('127.0.0.5/24')).toEqual({ problem: 'has host bits set past /24: did you mean 127.0.0.0/24?' });
    expect(parseCidr('1.2.3.4/0')).toEqual({ problem: 'has host bits set past /0: did you mean 0.0.0.0/0?' });
    expect(parseCidr('10.0.0.129/25')).toEqual({ problem: 'has host bits set past /25: did you mean 10.0.0.128/25?' });
    expect(parseCidr('2001:db8::1/64')).toEqual({ problem: 'has host bits set past /64: did you mean 2001:db8::/64?' });
    expect(parseCidr('2001:db8:0:0:c000::/65')).toEqual({
      problem: 'has host bits set past /65: did you mean 2001:db8:0:0:8000::/65?',
    });
    expect(parseCidr('::ffff:10.0.0.1/120')).toEqual({ problem: 'has host bits set past /120: did you mean ::ffff:a00:0/120?' });
    expect(parseCidr('fe80::1%eth0')).toEqual({ problem: 'must be an address without a zone id (%eth0)' });
    expect(parseCidr('fe80::%eth0/64')).toEqual({ problem: 'must be an address without a zone id (%eth0)' });
  });
});

describe('405 methods', () => {
  it('are the methods routes of a matching path take, HEAD with GET', () => {
    const app = new Hono();
    app.use('*', async (_c, next) => next());
    app.get('/v1/things', (c) => c.text('list'));
    app.post('/v1/things', (c) => c.text('create'));
    app.post('/v1/things/:id/cancel', (c) => c.text('cancel'));
    app.get('/v1/bets/:id{[1-9][0-9]*}', (c) => c.text('bet'));
    const methodsOf = allowedMethods(app);
    expect(methodsOf('/v1/things')).toEqual(['GET', 'HEAD', 'POST']);
    expect(methodsOf('/v1/things/42/cancel')).toEqual(['POST']);
    expect(methodsOf('/v1/bets/7')).toEqual(['GET', 'HEAD']);
    expect(methodsOf('/v1/bets/x')).toEqual([]);
    expect(methodsOf('/v1/nothing')).toEqual([]);
  });

  it('know a path only as the router serves it: a trailing slash is another path, a 404', async () => {
    const app = new Hono();
    app.get('/v1/me', (c) => c.text('me'));
    const methodsOf = allowedMethods(app);
    expect((await app.request('/v1/me/')).status).toBe(404);
    expect(methodsOf('/v1/me/')).toEqual([]);
    expect(methodsOf('/v1/me')).toEqual(['GET', 'HEAD']);
  });
});

describe('TOTP codes', () => {
  const secret = newTotpSecret();
  const codeOf = (step: number) => generate({ secret, epoch: step * 30 });

  it('are accepted for now and a step of drift, each once: only for a step later than the last accepted', async () => {
    const now = Math.floor(Date.now() / 30_000);
    const code = await codeOf(now);
    expect(await totpCodeStep(secret, code, null)).toBe(now);
    expect(await totpCodeStep(secret, code, now - 1)).toBe(now);
    expect(await totpCodeStep(secret, code, now)).toBeNull(); // the second use (RFC 6238 §5.2)
    expect(await totpCodeStep(secret, code, now + 1)).toBeNull();
    expect(await totpCodeStep(secret, await codeOf(now + 1), now)).toBe(now + 1);
    expect(await totpCodeStep(secret, await codeOf(now - 3), null)).toBeNull();
    expect(await totpCodeStep(secret, '12345', null)).toBeNull();
  });
});

describe('operator roles', () => {
  // importing every console page (and the services under them) cold takes seconds on a busy machine
  it(
    "are one list: the API's operator guard, isOperator and every console page use users-auth's",
    { timeout: 60_000 },
    async () => {
      const { CONSOLE_PAGES } = await import('../../api/console/pages/index.js');
      for (const page of CONSOLE_PAGES) expect([OPERATOR_ROLES, ADMIN_ROLES]).toContain(page.roles);
      expect(ROLES.filter(isOperator)).toEqual(OPERATOR_ROLES);
    },
  );
});

describe('the client address behind a trusted proxy', () => {
  const app = new Hono().get('/', (c) => c.text(clientIp(c, true)));
  const from = async (forwardedFor: string) => (await app.request('/', { headers: { 'x-forwarded-for': forwardedFor } })).text();

  it("is the hop the proxy appended, the last: those before it are the client's own word", async () => {
    expect(await from('198.51.100.7')).toBe('198.51.100.7');
    // a client naming an address on someone's allow-list, or a new one per guess past the per-IP throttle
    expect(await from('203.0.113.5, 198.51.100.7')).toBe('198.51.100.7');
    expect(await from('203.0.113.5,198.51.100.7')).toBe('198.51.100.7');
    expect(await from('fe80::1%eth0')).toBe('fe80::1');
  });
});
