/**
 * The security pass on the real stack: sign-in and second-factor throttling (429 + Retry-After, lockout and its
 * notification), API keys (TOTP to create, nonce replays, scopes, per-key IP allow-lists, invoices paid
 * only with the withdraw scope, signing as /openapi.json describes it), idempotency keys of any printable ASCII up to
 * 255 characters, body and time limits, security headers, CORS, 405 with Allow, the append-only security event log,
 * and, last, a grep of every log line the stack wrote for every secret this file created.
 * The API trusts X-Forwarded-For here (TRUST_PROXY), so each case comes from an address of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse, RequestOptions } from '../support/http.js';
import { Authenticator } from '../support/authenticator.js';
import { signUpMerchant } from '../support/merchant.js';
import { signedHeaders } from '../support/signed-request.js';
import { fund, startStack, type Stack } from '../support/stack.js';

const LOCKOUT_SECONDS = 30;
const REQUEST_TIMEOUT_SECONDS = 5;
const ALLOWED_ORIGIN = 'https://app.example.com';

/** Every secret this file creates or configures; none may appear in any log line. */
const secrets = new Set<string>();
const keep = <T extends string>(secret: T): T => (secrets.add(secret), secret);

let stack: Stack;
beforeAll(async () => {
  const hot = Wallet.createRandom();
  const gasKeeper = Wallet.createRandom();
  const mnemonic = Wallet.createRandom().mnemonic!.phrase;
  stack = await startStack({
    env: {
      LOG_LEVEL: 'trace',
      TRUST_PROXY: 'true',
      LOGIN_FREE_FAILURES: '2',
      LOGIN_LOCKOUT_AFTER: '4',
      LOGIN_LOCKOUT: `${LOCKOUT_SECONDS}s`,
      LOGIN_IP_FREE_FAILURES: '3',
      LOGIN_IP_LOCKOUT_AFTER: '10',
      CORS_ORIGINS: `${ALLOWED_ORIGIN},https://admin.example.com`,
      REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_SECONDS}s`,
      MAX_BODY_BYTES: '4096',
      EVM_DEPOSIT_MNEMONIC: keep(mnemonic),
      EVM_HOT_WALLET_KEYS: `evm-hot=${keep(hot.privateKey)}`,
      GAS_KEEPER_PRIVATE_KEY: keep(gasKeeper.privateKey),
      COLD_WALLET_ADDRESS: Wallet.createRandom().address,
    },
  });
  keep(stack.env.SECRET_KEY!);
  keep(stack.admin.password);
  keep(stack.admin.token);
});
afterAll(() => stack?.stop());

const from = (ip: string, options: RequestOptions = {}): RequestOptions => ({
  ...options,
  headers: { 'x-forwarded-for': ip, ...options.headers },
});

async function signUp(prefix: string, ip: string) {
  const email = `${prefix}-${randomBytes(3).toString('hex')}@example.com`;
  const password = keep(`pw ${randomBytes(12).toString('hex')}`);
  expect((await stack.api.post('/v1/auth/register', { email, password }, from(ip))).status).toBe(201);
  const tokens = await stack.api.post('/v1/auth/token', { email, password }, from(ip));
  keep(tokens.body.access_token);
  keep(tokens.body.refresh_token);
  return { email, password, token: tokens.body.access_token as string, id: '' };
}

/** Two-factor on for the user: the authenticator app it was confirmed with, and the code it was confirmed with. */
async function enrolTotp(
  user: { token: string; password: string },
  ip: string,
): Promise<{ app: Authenticator; confirmedWith: string }> {
  const enrolled = await stack.api.post(
    '/v1/auth/totp/enroll',
    { current_password: user.password },
    from(ip, { token: user.token }),
  );
  const app = new Authenticator(keep(enrolled.body.secret as string));
  const confirmedWith = await app.code();
  const verified = await stack.api.post(
    '/v1/auth/totp/verify',
    { code: confirmedWith, current_password: user.password },
    from(ip, { token: user.token }),
  );
  expect(verified.body).toEqual({ totp_enabled: true });
  return { app, confirmedWith };
}

function expectThrottled(response: ApiResponse, atLeastSeconds = 1) {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.body.code).toBe('too_many_attempts');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(atLeastSeconds);
  return retryAfter;
}

describe('sign-in throttling', () => {
  it('delays an account exponentially after its free failures, then locks it out and tells its owner', async () => {
    const ip = '10.1.0.1';
    const user = await signUp('locked', ip);
    const wrong = { email: user.email, password: 'not the password at all' };
    expect((await stack.api.post('/v1/auth/token', wrong, from(ip))).status).toBe(401);
    expect((await stack.api.post('/v1/auth/token', wrong, from(ip))).status).toBe(401);
    // two free failures; the next attempt must wait 1s, even with the right password and from elsewhere
    expectThrottled(await stack.api.post('/v1/auth/token', { ...wrong, password: user.password }, from('10.1.0.2')));
    await sleep(1_100);
    expect((await stack.api.post('/v1/auth/token', wrong, from(ip))).status).toBe(401);
    const doubled = expectThrottled(await stack.api.post('/v1/auth/token', wrong, from(ip)));
    expect(doubled).toBe(2);
    await sleep(2_100);
    expect((await stack.api.post('/v1/auth/token', wrong, from(ip))).status).toBe(401); // the 4th: locked out
    const locked = await stack.api.post('/v1/auth/token', { ...wrong, password: user.password }, from(ip));
    expect(expectThrottled(locked, LOCKOUT_SECONDS - 5)).toBeLessThanOrEqual(LOCKOUT_SECONDS);
    expect(locked.body.detail).toContain('locked out');

    const notes = await stack.api.get('/v1/notifications?kind=login_locked', from(ip, { token: user.token }));
    expect(notes.body.data).toHaveLength(1);
    expect(notes.body.data[0]).toMatchObject({ kind: 'login_locked', severity: 'warning' });
    const events = await stack.api.get('/v1/ops/security-events?kind=login_locked', { token: stack.admin.token });
    expect(events.body.data.some((e: { detail: { email: string } }) => e.detail.email === user.email)).toBe(true);
    const failures = await stack.api.get('/v1/ops/security-events?kind=login_failed', { token: stack.admin.token });
    const mine = failures.body.data.filter((e: { detail: { email: string } }) => e.detail.email === user.email);
    expect(mine.filter((e: { detail: { reason: string } }) => e.detail.reason === 'unauthenticated')).toHaveLength(4);
    expect(mine.filter((e: { detail: { reason: string } }) => e.detail.reason === 'too_many_attempts')).toHaveLength(3);
  });

  it('throttles an IP failing against many accounts', async () => {
    const ip = '10.2.0.1';
    for (let i = 0; i < 3; i++) {
      expect(
        (await stack.api.post('/v1/auth/token', { email: `nobody${i}@example.com`, password: 'guess guess' }, from(ip))).status,
      ).toBe(401);
    }
    expectThrottled(await stack.api.post('/v1/auth/token', { email: 'someone-else@example.com', password: 'guess' }, from(ip)));
    // another address is not affected
    expect(
      (await stack.api.post('/v1/auth/token', { email: 'someone-else@example.com', password: 'guess' }, from('10.2.0.2'))).status,
    ).toBe(401);
  });

  it('throttles password reset requests per email, whether or not it has an account', async () => {
    const ask = (ip: string) => stack.api.post('/v1/auth/password-reset', { email: 'nobody-resets@example.com' }, from(ip));
    expect((await ask('10.2.1.1')).status).toBe(202);
    expect((await ask('10.2.1.2')).status).toBe(202);
    expectThrottled(await ask('10.2.1.3'));
  });

  it('throttles second-factor codes', async () => {
    const ip = '10.3.0.1';
    const user = await signUp('totp', ip);
    await stack.api
      .post('/v1/auth/totp/enroll', { current_password: user.password }, from(ip, { token: user.token }))
      .then((r) => keep(r.body.secret));
    for (let i = 0; i < 2; i++) {
      expect(
        (
          await stack.api.post(
            '/v1/auth/totp/verify',
            { code: '000000', current_password: user.password },
            from(ip, { token: user.token }),
          )
        ).body.code,
      ).toBe('totp_invalid');
    }
    expectThrottled(
      await stack.api.post(
        '/v1/auth/totp/verify',
        { code: '000000', current_password: user.password },
        from(ip, { token: user.token }),
      ),
    );
  });
});

describe('two-factor codes', () => {
  it('work once: the code that confirmed enrolment, signed in or created an API key is refused after, as a wrong one', async () => {
    const ip = '10.4.1.1';
    const user = await signUp('totp-once', ip);
    const { app, confirmedWith } = await enrolTotp(user, ip);
    const signIn = (totp: string) =>
      stack.api.post('/v1/auth/token', { email: user.email, password: user.password, totp }, from(ip));
    const refused = { code: 'totp_invalid', errors: [{ path: 'totp', message: 'is wrong, expired or already used' }] };
    expect(await signIn(confirmedWith)).toMatchObject({ status: 401, body: refused });

    const signedInWith = await app.code();
    const signedIn = await signIn(signedInWith);
    expect(signedIn.status).toBe(200);
    keep(signedIn.body.access_token);
    keep(signedIn.body.refresh_token);
    // drawn now: the authenticator may wait for a fresh time step, which must not outlast the throttle's wait below
    const keyWith = await app.code();
    expect(await signIn(signedInWith)).toMatchObject({ status: 401, body: refused });
    const key = (totp: string) => stack.api.createApiKey(user, { name: 'bot', totp }, from(ip));
    expect(await key(signedInWith)).toMatchObject({ status: 401, body: refused });

    // the two wrong codes above, one at sign-in and one here, spent the user's free guesses: one budget for every way in
    const waits = await key(keyWith);
    expect(waits.status).toBe(429);
    await sleep(Number(waits.headers.get('retry-after')) * 1000);
    const created = await key(keyWith);
    expect(created.status).toBe(201);
    keep(created.body.secret);
    expect(await signIn(keyWith)).toMatchObject({ status: 401, body: refused });
  });
});

describe('API keys', () => {
  it('need a current code to be created when two-factor is on', async () => {
    const ip = '10.4.0.1';
    const user = await signUp('keys-2fa', ip);
    const { app } = await enrolTotp(user, ip);
    const without = await stack.api.createApiKey(user, { name: 'bot' }, from(ip));
    expect(without.status).toBe(401);
    expect(without.body.code).toBe('totp_required');
    const wrong = await stack.api.createApiKey(user, { name: 'bot', totp: '000000' }, from(ip));
    expect(wrong.body.code).toBe('totp_invalid');
    const created = await stack.api.createApiKey(user, { name: 'bot', totp: await app.code() }, from(ip));
    expect(created.status).toBe(201);
    keep(created.body.secret);
    const events = await stack.api.get('/v1/ops/security-events?kind=api_key_created', { token: stack.admin.token });
    expect(events.body.data.some((e: { detail: { key_id: string } }) => e.detail.key_id === created.body.id)).toBe(true);
  });

  it('refuse a replayed nonce, a missing scope and an address off the key allow-list', async () => {
    const ip = '10.5.0.1';
    const user = await signUp('keys', ip);
    const create = async (body: object) => {
      const created = await stack.api.createApiKey(user, body, from(ip));
      expect(created.status).toBe(201);
      return { id: created.body.id as string, secret: keep(created.body.secret as string), view: created.body };
    };
    const reader = await create({ name: 'reader' });
    expect(reader.view.scopes).toEqual(['read']);

    const headers = signedHeaders(reader, 'GET', '/v1/balances');
    expect((await stack.api.get('/v1/balances', from(ip, { headers }))).status).toBe(200);
    const replay = await stack.api.get('/v1/balances', from(ip, { headers }));
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('request_replayed');
    const events = await stack.api.get('/v1/ops/security-events?kind=api_key_replay_refused', { token: stack.admin.token });
    expect(events.body.data.some((e: { detail: { key_id: string } }) => e.detail.key_id === reader.id)).toBe(true);

    const body = JSON.stringify({ to_email: user.email, currency: 'USD', amount: '1.00' });
    const transfer = (key: { id: string; secret: string }, sourceIp = ip) =>
      stack.api.post('/v1/transfers', undefined, {
        raw: body,
        headers: {
          ...signedHeaders(key, 'POST', '/v1/transfers', body),
          'idempotency-key': randomBytes(8).toString('hex'),
          'x-forwarded-for': sourceIp,
        },
      });
    const readerTransfer = await transfer(reader);
    expect(readerTransfer.status).toBe(403);
    expect(readerTransfer.body.code).toBe('insufficient_scope');
    const trader = await create({ name: 'trader', scopes: ['read', 'trade'] });
    expect((await transfer(trader)).body.code).toBe('insufficient_scope'); // a transfer moves money out: withdraw
    const payer = await create({ name: 'payer', scopes: ['withdraw'] });
    expect((await transfer(payer)).body.code).toBe('self_transfer'); // authorised: the business rule answered
    expect(
      (await stack.api.get('/v1/balances', from(ip, { headers: signedHeaders(payer, 'GET', '/v1/balances') }))).body.code,
    ).toBe('insufficient_scope');

    const fenced = await create({ name: 'fenced', scopes: ['read'], ip_allowlist: ['10.9.9.0/24'] });
    expect(fenced.view.ip_allowlist).toEqual(['10.9.9.0/24']);
    const inside = await stack.api.get(
      '/v1/balances',
      from('10.9.9.7', { headers: signedHeaders(fenced, 'GET', '/v1/balances') }),
    );
    expect(inside.status).toBe(200);
    const outside = await stack.api.get(
      '/v1/balances',
      from('10.9.8.7', { headers: signedHeaders(fenced, 'GET', '/v1/balances') }),
    );
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('ip_not_allowed');

    const bad = await stack.api.createApiKey(user, { name: 'x', ip_allowlist: ['not an address'] }, from(ip));
    expect(bad.body.errors).toEqual([{ path: 'ip_allowlist.0', message: 'must be an IPv4 or IPv6 address or CIDR block' }]);
  });

  it('need the withdraw scope to pay an invoice, and are scoped by the path as routed, however it is encoded', async () => {
    const ip = '10.5.1.1';
    const payer = await signUp('keys-payer', ip);
    await fund(stack, (await stack.api.get('/v1/me', from(ip, { token: payer.token }))).body.id, 'USD', '50.00');
    const shop = await signUpMerchant(stack, `keys-shop-${randomBytes(3).toString('hex')}@example.com`);
    const invoice = await stack.api.post('/v1/invoices', { amount: '12.00', currency: 'USD' }, { token: shop.token });
    expect(invoice.status).toBe(201);
    const key = async (scopes: string[]) => {
      const created = await stack.api.createApiKey(payer, { name: scopes.join('+'), scopes }, from(ip));
      return { id: created.body.id as string, secret: keep(created.body.secret as string) };
    };
    const signedPost = (signer: { id: string; secret: string }, path: string, body: object) => {
      const raw = JSON.stringify(body);
      return stack.api.post(path, undefined, {
        raw,
        headers: {
          ...signedHeaders(signer, 'POST', path, raw),
          'idempotency-key': randomBytes(8).toString('hex'),
          'x-forwarded-for': ip,
        },
      });
    };
    const pay = (signer: { id: string; secret: string }) =>
      signedPost(signer, `/v1/invoices/${invoice.body.id}/pay`, { currency: 'USD' });

    // paying an invoice sends money to its merchant: a transfer by another name
    const trader = await key(['read', 'trade']);
    const refused = await pay(trader);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_scope');
    // a letter sent percent-encoded is routed to the same route, and needs the same scope
    const encoded = await signedPost(trader, '/v1/%74ransfers', { to_email: payer.email, currency: 'USD', amount: '1.00' });
    expect(encoded.body.code).toBe('insufficient_scope');
    expect((await stack.api.get('/v1/balances', { token: payer.token })).body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ currency: 'USD', available: '50.00' })]),
    );

    const paid = await pay(await key(['withdraw']));
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ amount: '12.00', currency: 'USD' });
  });

  it('sign a request as /openapi.json describes it: the headers its schemes name, the string its signature names', async () => {
    const ip = '10.5.2.1';
    const user = await signUp('keys-spec', ip);
    const created = await stack.api.createApiKey(user, { name: 'from the spec', scopes: ['read', 'trade'] }, from(ip));
    const secret = keep(created.body.secret as string);

    const spec = (await stack.api.get('/openapi.json')).body;
    const schemes: Record<string, { type: string; in?: string; name?: string; description?: string }> =
      spec.components.securitySchemes;
    // the requirement a key's request meets: every scheme in it but the bearer token's
    const requirement = (spec.paths['/v1/exchange/quotes'].post.security as Array<Record<string, string[]>>).find(
      (r) => !('bearer' in r),
    )!;
    const headers = Object.keys(requirement).map((name) => schemes[name]!);
    expect(headers.every((h) => h.type === 'apiKey' && h.in === 'header')).toBe(true);
    const header = (name: string) => headers.find((h) => h.name === name)!;
    expect(headers.map((h) => h.name).sort()).toEqual(['X-Api-Key', 'X-Api-Nonce', 'X-Api-Signature', 'X-Api-Timestamp']);
    const template = /`([^`]*\\n[^`]*)`/.exec(header('X-Api-Signature').description!)![1]!;

    const send = async (method: 'GET' | 'POST', pathAndQuery: string, body = '') => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(12).toString('base64url');
      const parts: Record<string, string> = {
        timestamp,
        nonce,
        METHOD: method,
        'path?query': pathAndQuery,
        'hex(sha256(body))': createHash('sha256').update(body).digest('hex'),
      };
      const canonical = template
        .split('\\n')
        .map((part) => {
          expect(parts).toHaveProperty([part]);
          return parts[part];
        })
        .join('\n');
      const signed = {
        'X-Api-Key': created.body.id,
        'X-Api-Timestamp': timestamp,
        'X-Api-Nonce': nonce,
        'X-Api-Signature': createHmac('sha256', secret).update(canonical).digest('hex'),
      };
      const options = from(ip, { headers: signed, ...(body ? { raw: body } : {}) });
      return method === 'GET' ? stack.api.get(pathAndQuery, options) : stack.api.post(pathAndQuery, undefined, options);
    };
    expect((await send('GET', '/v1/ledger/transfers?limit=1')).status).toBe(200);
    const quoted = await send('POST', '/v1/exchange/quotes', JSON.stringify({ from: 'USDT', to: 'XRP', amount_in: '10' }));
    expect(quoted.status).toBe(201);
  });
});

describe('IP allow-lists', () => {
  it("refuse, naming the entry and why, a block with host bits set or a zone id, which PostgreSQL's cidr cannot hold", async () => {
    const ip = '10.5.2.1';
    const user = await signUp('cidrs', ip);
    const refused = async (response: Promise<ApiResponse>) => {
      const { status, headers, body } = await response;
      expect([status, headers.get('content-type'), body.code]).toEqual([400, 'application/problem+json', 'validation_failed']);
      return body.errors;
    };
    expect(await refused(stack.api.createApiKey(user, { name: 'x', ip_allowlist: ['10.0.0.1/24'] }, from(ip)))).toEqual([
      { path: 'ip_allowlist.0', message: 'has host bits set past /24: did you mean 10.0.0.0/24?' },
    ]);
    expect(
      await refused(stack.api.createApiKey(user, { name: 'x', ip_allowlist: ['10.5.2.0/24', 'fe80::1%eth0'] }, from(ip))),
    ).toEqual([{ path: 'ip_allowlist.1', message: 'must be an address without a zone id (%eth0)' }]);
    const put = (cidrs: string[]) =>
      stack.api.put('/v1/me/ip-allowlist', { cidrs, current_password: user.password }, from(ip, { token: user.token }));
    expect(await refused(put(['127.0.0.5/24']))).toEqual([
      { path: 'cidrs.0', message: 'has host bits set past /24: did you mean 127.0.0.0/24?' },
    ]);
    expect(await refused(put(['1.2.3.4/0']))).toEqual([
      { path: 'cidrs.0', message: 'has host bits set past /0: did you mean 0.0.0.0/0?' },
    ]);
    expect((await put(['10.5.2.0/24'])).body).toEqual({ cidrs: ['10.5.2.0/24'] });
    expect((await stack.api.get('/v1/api-keys', from(ip, { token: user.token }))).body.data).toEqual([]);
  });
});

describe('NUL characters', () => {
  it('are refused in any text field, however deep in the body, naming the field: PostgreSQL cannot store them', async () => {
    const ip = '10.5.3.1';
    const user = await signUp('nul', ip);
    const refusedField = async (response: Promise<ApiResponse>) => {
      const { status, headers, body } = await response;
      expect([status, headers.get('content-type'), body.code]).toEqual([400, 'application/problem+json', 'validation_failed']);
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].message).toBe('must not contain the NUL character (U+0000)');
      return body.errors[0].path;
    };
    expect(await refusedField(stack.api.createApiKey(user, { name: 'a\0b' }, from(ip)))).toBe('name');
    expect(
      await refusedField(
        stack.api.post(
          '/v1/ops/groups',
          { id: `nul-${randomBytes(3).toString('hex')}`, name: 'a\0b' },
          { token: stack.admin.token },
        ),
      ),
    ).toBe('name');
    const shop = await signUpMerchant(stack, `nul-shop-${randomBytes(3).toString('hex')}@example.com`);
    const invoice = { amount: '12.00', currency: 'USD', metadata: { order: { note: 'gift\0wrap' } } };
    expect(await refusedField(stack.api.post('/v1/invoices', invoice, { token: shop.token }))).toBe('metadata.order.note');
    expect((await stack.api.get('/v1/api-keys', from(ip, { token: user.token }))).body.data).toEqual([]);
    // the escaped backslash is text like any other
    const named = await stack.api.createApiKey(user, { name: 'a\\u0000b' }, from(ip));
    expect([named.status, named.body.name]).toEqual([201, 'a\\u0000b']);
    keep(named.body.secret);
  });
});

describe('idempotency keys', () => {
  it('take any printable ASCII up to 255 characters, and a repeat returns the first result', async () => {
    const ip = '10.6.0.1';
    const alice = await signUp('idem-a', ip);
    const bob = await signUp('idem-b', ip);
    const me = await stack.api.get('/v1/me', from(ip, { token: alice.token }));
    await fund(stack, me.body.id, 'USD', '10.00');
    const settings = {
      enabled: true,
      min_amount: '0.01',
      max_amount: '1000.00',
      daily_limit: '100.00',
      fee_fixed: '0',
      fee_percent: '0',
    };
    expect((await stack.api.put('/v1/ops/settings/transfers/USD', settings, { token: stack.admin.token })).status).toBe(200);

    const long = `order@2026/11/30 ${'x'.repeat(255)}`.slice(0, 255);
    for (const key of ['invoice@shop.example/77', long]) {
      const send = () =>
        stack.api.post(
          '/v1/transfers',
          { to_email: bob.email, currency: 'USD', amount: '1.00' },
          from(ip, { token: alice.token, headers: { 'idempotency-key': key } }),
        );
      const first = await send();
      expect(first.status).toBe(201);
      const again = await send();
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
    }
    const tooLong = await stack.api.post(
      '/v1/transfers',
      { to_email: bob.email, currency: 'USD', amount: '1.00' },
      from(ip, { token: alice.token, headers: { 'idempotency-key': 'y'.repeat(256) } }),
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].path).toBe('Idempotency-Key');
  });
});

/** Writes `request` to the stack's port as it is and resolves with the answer up to the end of its headers. */
function rawRequestHead(request: string): Promise<string> {
  const { hostname, port } = new URL(stack.url);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let text = '';
    socket.on('data', (data) => {
      text += data.toString();
      if (text.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}

describe('limits and headers', () => {
  it('refuses a body over MAX_BODY_BYTES with a 413', async () => {
    const big = await stack.api.post('/v1/auth/register', { email: 'big@example.com', password: 'p'.repeat(5_000) });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
    expect(big.body.code).toBe('payload_too_large');
  });

  it('refuses a chunked body over MAX_BODY_BYTES (no Content-Length to judge by) with a 413', async () => {
    const chunk = `{"email":"big@example.com","password":"${'p'.repeat(5_000)}"}`;
    const answer = await rawRequestHead(
      'POST /v1/auth/register HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\n' +
        `Transfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
  });

  it('answers a request that does not complete in REQUEST_TIMEOUT with a 408', async () => {
    const started = Date.now();
    // the headers promise a body that never fully arrives
    const answer = await rawRequestHead(
      'POST /v1/auth/token HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_SECONDS * 1000 - 100);
  });

  it('sends security headers, and HSTS only over TLS', async () => {
    const health = await stack.api.get('/healthz');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(health.headers.get('x-frame-options')).toBe('DENY');
    expect(health.headers.get('strict-transport-security')).toBeNull();
    const behindTls = await stack.api.get('/healthz', { headers: { 'x-forwarded-proto': 'https' } });
    expect(behindTls.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    const console = await stack.api.get('/ops/sign-in');
    expect(console.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(console.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('allows cross-origin calls from CORS_ORIGINS only', async () => {
    const preflight = (origin: string) =>
      stack.api.request('OPTIONS', '/v1/balances', undefined, {
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await stack.api.get('/v1/currencies', { headers: { origin: ALLOWED_ORIGIN } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(
      (await stack.api.get('/v1/currencies', { headers: { origin: 'https://evil.example.com' } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
  });

  it('answers a known path asked with another method with 405 and Allow', async () => {
    const patch = await stack.api.request('PATCH', '/v1/balances', {}, { token: stack.admin.token });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD');
    expect(patch.body.code).toBe('method_not_allowed');
    const cancel = await stack.api.request('GET', `/v1/withdrawals/${crypto.randomUUID()}/cancel`);
    expect(cancel.status).toBe(405);
    expect(cancel.headers.get('allow')).toBe('POST');
    expect((await stack.api.get('/v1/no-such-thing')).status).toBe(404);
    // a path the router does not serve under any method, as a known one with a slash more, is not found
    for (const [method, path] of [
      ['GET', '/v1/me/'],
      ['GET', '/v1/balances/'],
      ['POST', '/v1/transfers/'],
    ] as const) {
      const slashed = await stack.api.request(method, path, method === 'POST' ? {} : undefined, { token: stack.admin.token });
      expect([method, path, slashed.status, slashed.headers.get('allow')]).toEqual([method, path, 404, null]);
    }
  });
});

describe('security event log', () => {
  it('is for admins, records operator actions, and refuses any change in Postgres', async () => {
    const user = await signUp('auditor', '10.7.0.1');
    expect((await stack.api.get('/v1/ops/security-events', { token: user.token })).status).toBe(403);
    const page = await stack.api.get('/v1/ops/security-events?limit=100', { token: stack.admin.token });
    const kinds = new Set(page.body.data.map((e: { kind: string }) => e.kind));
    for (const kind of ['login_succeeded', 'login_failed', 'totp_enabled', 'api_key_created', 'operator_action']) {
      expect(kinds).toContain(kind);
    }
    const actions = await stack.api.get('/v1/ops/security-events?kind=operator_action', { token: stack.admin.token });
    expect(actions.body.data.some((e: { detail: { path: string } }) => e.detail.path === '/v1/ops/adjustments')).toBe(true);

    await expect(stack.db.sql`update security_events set kind = 'login_succeeded'`).rejects.toThrow(/append-only/);
    await expect(stack.db.sql`delete from security_events`).rejects.toThrow(/append-only/);
    await expect(stack.db.sql`truncate security_events`).rejects.toThrow(/append-only/);
  });
});

describe('logs', () => {
  it('never contain a secret this file created', async () => {
    const user = await signUp('logs', '10.8.0.1');
    keep(user.password);
    const files = (await readdir(stack.logDir)).filter((f) => f.endsWith('.log'));
    expect(files).toEqual(expect.arrayContaining(['api.log', 'worker.log']));
    let text = '';
    for (const file of files) text += await readFile(join(stack.logDir, file), 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(secrets.size).toBeGreaterThan(20);
    const leaked = [...secrets].filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
    // a mnemonic leaks word by word too
    const words = [...secrets].find((s) => s.split(' ').length >= 12)!;
    expect(text.includes(words.split(' ').slice(0, 4).join(' '))).toBe(false);
  });
});
