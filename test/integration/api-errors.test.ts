/** Bad input of every kind is a 4xx problem+json naming the field — never a 500, never a half-done transfer. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { signUpMerchant } from '../support/merchant.js';

let t: TestApp;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  t = await startTestApp();
  alice = await t.api.signUp('alice@example.com');
  bob = await t.api.signUp('bob@example.com');
  const funded = await t.api.post(
    '/v1/ops/adjustments',
    { user_id: alice.id, currency: 'USD', amount: '50.00', reason: 'test funding' },
    { token: t.admin.token, headers: { 'idempotency-key': 'fund-alice' } },
  );
  expect(funded.status).toBe(201);
});
afterAll(() => t?.close());

const transfer = (body: unknown, options: { key?: string; raw?: string; headers?: Record<string, string> } = {}) =>
  t.api.post('/v1/transfers', body, {
    token: alice.token,
    raw: options.raw,
    headers: {
      ...(options.key === undefined
        ? { 'idempotency-key': `k-${Math.random()}` }
        : options.key
          ? { 'idempotency-key': options.key }
          : {}),
      ...options.headers,
    },
  });

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string, path?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code, type: `urn:sluice:problem:${code}` });
  if (path) expect(response.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
}

describe('bad input', () => {
  it.each([
    ['amount with too many decimals', { to_email: 'bob@example.com', currency: 'USD', amount: '1.234' }, 'amount'],
    ['amount as a JSON number', { currency: 'USD', amount: 12.5 }, 'amount'],
    ['negative amount', { currency: 'USD', amount: '-1.00' }, 'amount'],
    ['exponent notation', { currency: 'USD', amount: '1e400' }, 'amount'],
    ['a huge amount', { currency: 'USD', amount: '9'.repeat(100) }, 'amount'],
    ['lower-case currency', { currency: 'usd', amount: '1.00' }, 'currency'],
    ['a currency that is not a string', { currency: 5, amount: '1.00' }, 'currency'],
    ['no recipient', { currency: 'USD', amount: '1.00' }, 'to_email'],
    ['a malformed email', { to_email: 'not-an-email', currency: 'USD', amount: '1.00' }, 'to_email'],
    ['a malformed user id', { to_user_id: 'abc', currency: 'USD', amount: '1.00' }, 'to_user_id'],
  ])('refuses %s with a 400 naming the field', async (_, body, path) => {
    expectProblem(await transfer(body), 400, 'validation_failed', path);
  });

  it("checks the amount against the currency's scale", async () => {
    const response = await transfer({ to_email: 'bob@example.com', currency: 'USD', amount: '1.234' });
    expectProblem(response, 400, 'validation_failed', 'amount');
    expect(response.body.errors[0].message).toContain('2 decimal places');
    const btc = await transfer({ to_email: 'bob@example.com', currency: 'BTC', amount: '0.00000001' });
    expect(btc.status).toBe(422); // eight decimals are fine for BTC: it fails later, on funds
    expect(btc.body.code).toBe('insufficient_funds');
  });

  it('refuses an unknown currency naming it', async () => {
    expectProblem(
      await transfer({ to_email: 'bob@example.com', currency: 'XYZ', amount: '1.00' }),
      400,
      'unknown_currency',
      'currency',
    );
  });

  it('refuses malformed JSON, a missing body and a wrong content type', async () => {
    expectProblem(await transfer(undefined, { raw: '{"currency": "USD", ' }), 400, 'malformed_request', 'body');
    expectProblem(await transfer(undefined, { raw: '' }), 400, 'malformed_request', 'body');
    expectProblem(
      await transfer(undefined, { raw: 'currency=USD', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
    expectProblem(await transfer(undefined, { raw: '[1, 2]' }), 400, 'validation_failed');
  });

  it('requires an Idempotency-Key of a sane shape', async () => {
    expectProblem(
      await transfer({ to_email: 'bob@example.com', currency: 'USD', amount: '1.00' }, { key: '' }),
      400,
      'validation_failed',
      'Idempotency-Key',
    );
    // printable ASCII up to 255 characters, as the IETF draft and Stripe take it (test/e2e/security.test.ts uses them)
    for (const key of ['tab\tinside', 'x'.repeat(256)]) {
      expectProblem(
        await transfer({ to_email: 'bob@example.com', currency: 'USD', amount: '1.00' }, { key }),
        400,
        'validation_failed',
        'Idempotency-Key',
      );
    }
  });

  it('refuses a body over the size limit', async () => {
    expectProblem(await transfer(undefined, { raw: JSON.stringify({ memo: 'x'.repeat(1_100_000) }) }), 413, 'payload_too_large');
  });

  it('refuses a body whose declared length is over the size limit from its header alone', async () => {
    const small = JSON.stringify({ to_email: 'bob@example.com', currency: 'USD', amount: '1.00' });
    expectProblem(await transfer(undefined, { raw: small, headers: { 'content-length': '1100000' } }), 413, 'payload_too_large');
  });

  it('answers unknown routes and bad cursors with problems', async () => {
    expectProblem(await t.api.get('/v1/nope', { token: alice.token }), 404, 'not_found');
    expectProblem(
      await t.api.get('/v1/ledger/transfers?cursor=garbage', { token: alice.token }),
      400,
      'validation_failed',
      'cursor',
    );
    expectProblem(await t.api.get('/v1/ledger/transfers?limit=1000', { token: alice.token }), 400, 'validation_failed', 'limit');
  });

  /** Every list the document has (a GET with a `cursor` query parameter), and the token each answers. */
  async function everyList() {
    const spec = (await t.api.get('/openapi.json')).body as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string; schema: { pattern?: string } }> } }>;
    };
    // captured mail is listed in dev mode only (404 here)
    const lists = Object.entries(spec.paths)
      .filter(([path, item]) => !path.includes('{') && item.get?.parameters?.some((p) => p.name === 'cursor' && p.in === 'query'))
      .filter(([path]) => path !== '/v1/ops/mail');
    expect(lists.length).toBeGreaterThan(15);
    const merchant = await signUpMerchant(t, `lists-merchant-${Math.random()}@example.com`);
    const merchantLists = ['/v1/invoices', '/v1/webhooks/deliveries'];
    return lists.map(([path, item]) => ({
      path,
      parameters: item.get!.parameters!,
      token: merchantLists.includes(path) ? merchant.token : t.admin.token,
    }));
  }

  it('refuses on every list a cursor it did not give (a position of the wrong shape) with a 400 naming cursor', async () => {
    const forged = [{ p: 'abc' }, { p: '9'.repeat(20) }, { p: '1|2' }].map((c) =>
      Buffer.from(JSON.stringify(c)).toString('base64url'),
    );
    const answers = [];
    for (const { path, token } of await everyList())
      for (const cursor of forged) {
        const { status, body } = await t.api.get(`${path}?cursor=${cursor}`, { token });
        answers.push({ path, status, fields: body.errors?.map((e: { path: string }) => e.path) });
      }
    expect(answers.filter((a) => a.status !== 400 || a.fields?.join() !== 'cursor')).toEqual([]);
  });

  it('takes on every list a limit of plain digits from 1 to 100 only, a 400 naming limit otherwise, as the document says', async () => {
    // z.coerce.number() read hexadecimal, spaces, exponents and an empty value as numbers (0x10 as 16, "" as 0)
    const refused = ['0x10', '%205', '5%20', '1e1', '', '0', '101', '050', '5.0', '-1', '+5', '5&limit=6', '9'.repeat(20)];
    const answers = [];
    for (const { path, parameters, token } of await everyList()) {
      expect([path, parameters.find((p) => p.name === 'limit')?.schema.pattern]).toEqual([path, '^(?:[1-9][0-9]?|100)$']);
      for (const limit of refused) {
        const { status, body } = await t.api.get(`${path}?limit=${limit}`, { token });
        if (status !== 400 || body.errors?.map((e: { path: string }) => e.path).join() !== 'limit')
          answers.push({ path, limit, status });
      }
      for (const limit of ['1', '9', '50', '100']) {
        const { status } = await t.api.get(`${path}?limit=${limit}`, { token });
        if (status !== 200) answers.push({ path, limit, status });
      }
    }
    expect(answers).toEqual([]);
  });

  it('refuses XRPL payment filters that are not plain numbers or hashes, naming the field', async () => {
    const payments = (query: string) => t.api.get(`/api/transactions?${query}`, { token: t.admin.token });
    // hexadecimal, exponents, spaces and an empty value were read as numbers (0x65 as ledger 101, "" as tag 0)
    const refused = {
      ledger_index: ['0x65', '%20101', '1e3', '', '0', 'abc', '1.5', '101&ledger_index=102', '9'.repeat(16)],
      destination_tag: ['', '0x10', '1e3', '-1', '007', '4294967296', '9999999999'],
      hash: ['', 'zz', 'A'.repeat(63), `${'A'.repeat(64)}&hash=${'B'.repeat(64)}`],
    };
    for (const [field, values] of Object.entries(refused))
      for (const value of values) expectProblem(await payments(`${field}=${value}`), 400, 'validation_failed', field);
    for (const query of [
      'ledger_index=101',
      'ledger_index=999999999999999',
      'destination_tag=0',
      'destination_tag=4294967295',
      `hash=${'a'.repeat(64)}`,
    ])
      expect((await payments(query)).status).toBe(200);
  });

  it('gives business refusals a 422 with a code, and moves nothing', async () => {
    expectProblem(await transfer({ to_user_id: alice.id, currency: 'USD', amount: '1.00' }), 422, 'self_transfer', 'to_user_id');
    expectProblem(
      await transfer({ to_email: 'nobody@example.com', currency: 'USD', amount: '1.00' }),
      422,
      'recipient_not_found',
      'to_email',
    );
    expectProblem(
      await transfer({ to_email: 'bob@example.com', currency: 'USD', amount: '50.01' }),
      422,
      'insufficient_funds',
      'amount',
    );
    const balances = await t.api.get('/v1/balances', { token: alice.token });
    expect(balances.body.data.find((b: { currency: string }) => b.currency === 'USD')).toMatchObject({
      posted: '50.00',
      available: '50.00',
    });
  });

  it('applies per-currency minimum, maximum and disabled settings', async () => {
    const put = (body: object) => t.api.put('/v1/ops/settings/transfers/EUR', body, { token: t.admin.token });
    const base = { enabled: true, min_amount: '1.00', max_amount: '10.00', daily_limit: null, fee_fixed: '0', fee_percent: '0' };
    expect((await put(base)).status).toBe(200);
    expectProblem(await put({ ...base, min_amount: '0.001' }), 400, 'validation_failed', 'min_amount');
    expectProblem(await put({ ...base, fee_percent: '101' }), 400, 'validation_failed', 'fee_percent');
    expectProblem(await put({ ...base, max_amount: '0.50' }), 400, 'validation_failed', 'max_amount');
    expectProblem(await transfer({ to_email: 'bob@example.com', currency: 'EUR', amount: '0.99' }), 422, 'amount_below_minimum');
    expectProblem(await transfer({ to_email: 'bob@example.com', currency: 'EUR', amount: '10.01' }), 422, 'amount_above_maximum');
    expect((await put({ ...base, enabled: false })).status).toBe(200);
    expectProblem(await transfer({ to_email: 'bob@example.com', currency: 'EUR', amount: '5.00' }), 422, 'currency_disabled');
  });

  it("counts what was sent before a user's daily limit was set against it, the same day", async () => {
    const carol = await t.api.signUp(`carol-${Math.random()}@example.com`);
    const fundCarol = await t.api.post(
      '/v1/ops/adjustments',
      { user_id: carol.id, currency: 'USD', amount: '50.00', reason: 'test funding' },
      { token: t.admin.token, headers: { 'idempotency-key': `fund-${carol.id}` } },
    );
    expect(fundCarol.status).toBe(201);
    const send = (amount: string) =>
      t.api.post(
        '/v1/transfers',
        { to_user_id: alice.id, currency: 'USD', amount },
        { token: carol.token, headers: { 'idempotency-key': `k-${Math.random()}` } },
      );
    expect((await send('10.00')).status).toBe(201);
    const limit = await t.api.put(
      `/v1/ops/settings/transfers/USD/user/${carol.id}`,
      { values: { daily_limit: '15.00' } },
      { token: t.admin.token },
    );
    expect(limit.status).toBe(200);
    expect((await send('5.00')).status).toBe(201);
    expectProblem(await send('0.01'), 422, 'daily_limit_exceeded');
  });

  it('refuses settings of a subject the operation does not have, naming it, on every settings route', async () => {
    const admin = { token: t.admin.token };
    const override = (path: string) =>
      t.api.put(`/v1/ops/settings/${path}/user/${alice.id}`, { values: { enabled: true } }, admin);
    // fast exchange is set per pair, as the pair names itself (USD-UAH); transfers per currency
    expectProblem(await override('fast-exchange/UAH-USD'), 400, 'unknown_pair', 'subject');
    expectProblem(await override('fast-exchange/EUR-USD'), 400, 'unknown_pair', 'subject');
    expectProblem(await override('fast-exchange/USD'), 400, 'unknown_pair', 'subject');
    expectProblem(await override('transfers/USD-UAH'), 400, 'unknown_currency', 'subject');
    expectProblem(await override('transfers/XYZ'), 400, 'unknown_currency', 'subject');
    expectProblem(await t.api.get('/v1/ops/settings/transfers/USD-UAH/layers', admin), 400, 'unknown_currency', 'subject');
    expectProblem(await t.api.get('/v1/ops/settings/fast-exchange/USD/effective', admin), 400, 'unknown_pair', 'subject');
    expectProblem(
      await t.api.put('/v1/ops/settings/fast-exchange/UAH-USD/default', { values: { enabled: true } }, admin),
      400,
      'unknown_pair',
      'subject',
    );
    expectProblem(
      await t.api.get('/v1/me/settings/withdrawals/USD-UAH', { token: alice.token }),
      400,
      'unknown_currency',
      'subject',
    );
    expect((await override('fast-exchange/USD-UAH')).status).toBe(200);
    expect((await t.api.get('/v1/me/settings/fast-exchange/USD-UAH', { token: alice.token })).status).toBe(200);
  });

  it('refuses adjustments that would overdraw, for unknown users, or without a reason', async () => {
    const adjust = (body: object, key = `adj-${Math.random()}`) =>
      t.api.post('/v1/ops/adjustments', body, { token: t.admin.token, headers: { 'idempotency-key': key } });
    expectProblem(
      await adjust({ user_id: bob.id, currency: 'USD', amount: '-0.01', reason: 'correction' }),
      422,
      'insufficient_funds',
      'amount',
    );
    expectProblem(
      await adjust({ user_id: '00000000-0000-4000-8000-000000000000', currency: 'USD', amount: '1.00', reason: 'correction' }),
      404,
      'not_found',
      'user_id',
    );
    expectProblem(
      await adjust({ user_id: bob.id, currency: 'USD', amount: '1.00', reason: '' }),
      400,
      'validation_failed',
      'reason',
    );
    expectProblem(
      await adjust({ user_id: bob.id, currency: 'USD', amount: '0', reason: 'zero' }),
      400,
      'validation_failed',
      'amount',
    );
  });

  it('answers an Idempotency-Key again only for the same request: every field of it, memo and callback URL included', async () => {
    const first = { to_email: 'bob@example.com', currency: 'USD', amount: '1.00', memo: 'first' };
    const sent = await transfer(first, { key: 'memo-key' });
    expect(sent.status).toBe(201);
    // the recipient named by id is the same request, normalised
    const replay = await transfer({ ...first, to_email: undefined, to_user_id: bob.id }, { key: 'memo-key' });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id]).toEqual([201, 'true', sent.body.id]);
    expectProblem(await transfer({ ...first, memo: 'second' }, { key: 'memo-key' }), 409, 'idempotency_conflict');
    expectProblem(await transfer({ ...first, memo: undefined }, { key: 'memo-key' }), 409, 'idempotency_conflict');
    expectProblem(
      await transfer({ ...first, callback_url: 'https://merchant.example.com/hooks' }, { key: 'memo-key' }),
      409,
      'idempotency_conflict',
    );
  });

  it("answers an invoice's Idempotency-Key again only for the same request: every field of it, the 409 naming them", async () => {
    const merchant = await signUpMerchant(t, `idempotent-merchant-${Math.random()}@example.com`);
    const create = (body: object) =>
      t.api.post('/v1/invoices', body, { token: merchant.token, headers: { 'idempotency-key': 'invoice-key' } });
    const first = {
      amount: '10.00',
      currency: 'USD',
      expires_in: 600,
      description: 'one',
      order_id: 'A-1',
      metadata: { cart: 7, shipping: { zone: 'EU', express: true } },
      callback_url: 'https://shop.example/orders/A-1',
      redirect_url: 'https://shop.example/thanks',
    };
    const created = await create(first);
    expect(created.status).toBe(201);
    // the same request normalised: the metadata's keys in another order, the default currencies named
    const replay = await create({
      ...first,
      metadata: { shipping: { express: true, zone: 'EU' }, cart: 7 },
      accepted_currencies: ['USD', 'USD'],
    });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id]).toEqual([201, 'true', created.body.id]);
    for (const [field, value] of [
      ['order_id', 'A-2'],
      ['callback_url', 'https://shop.example/orders/A-2'],
      ['metadata', { cart: 8, shipping: { zone: 'EU', express: true } }],
      ['description', undefined],
      ['expires_in', 601],
      ['accepted_currencies', ['USD', 'USDT']],
      ['redirect_url', 'https://shop.example/other'],
    ] as const) {
      const conflict = await create({ ...first, [field]: value });
      expectProblem(conflict, 409, 'idempotency_conflict', 'Idempotency-Key');
      expect(conflict.body.detail, field).toMatch(new RegExp(`\\(${field} differs\\)`));
    }
    expect((await create({ ...first, amount: '11.00', order_id: 'A-2' })).body.detail).toContain('(amount, order_id differ)');
  });

  it("bounds an invoice's metadata in UTF-8 bytes and refuses an unpaired surrogate, naming its field (jsonb refused it: a 500)", async () => {
    const merchant = await signUpMerchant(t, `metadata-merchant-${Math.random()}@example.com`);
    const create = (metadata: object) =>
      t.api.post('/v1/invoices', { amount: '10.00', currency: 'USD', metadata }, { token: merchant.token });
    const wide = await create({ note: 'é'.repeat(2100) }); // 2100 UTF-16 units, 4200 bytes
    expectProblem(wide, 400, 'validation_failed', 'metadata');
    expect(wide.body.errors[0].message).toBe('must be at most 4096 bytes of JSON');
    for (const [metadata, path] of [
      [{ note: 'a\ud800b' }, 'metadata.note'],
      [{ ['\udfff']: 1 }, 'metadata.\udfff'],
      [{ items: [{ note: '\udc00' }] }, 'metadata.items.0.note'],
    ] as const)
      expectProblem(await create(metadata), 400, 'validation_failed', path);
    // a surrogate pair is one character, stored and answered as sent
    const emoji = await create({ note: '😀'.repeat(100), ['é'.repeat(20)]: 'é'.repeat(1700) });
    expect(emoji.status).toBe(201);
    expect(emoji.body.metadata.note).toBe('😀'.repeat(100));
  });

  it('refuses an unpaired surrogate in any JSON body, naming the field: jsonb refused it (a 500), text stored U+FFFD', async () => {
    const refused = (response: { status: number; headers: Headers; body: any }, path: string) => {
      expectProblem(response, 400, 'validation_failed', path);
      expect(response.body.errors[0].message).toBe('must be well-formed Unicode: no unpaired surrogate (\\ud800–\\udfff alone)');
    };
    // a transfer's memo is kept in its ledger entry's metadata (jsonb)
    for (const memo of ['gift \ud800', '\udfff', '😀'.slice(0, 1)])
      refused(await transfer({ to_email: 'bob@example.com', currency: 'USD', amount: '1.00', memo }), 'memo');
    // an API key's name is text, where PostgreSQL stored U+FFFD in its place: the key was made, named otherwise
    refused(await t.api.createApiKey(alice, { name: 'bot \udc00' }), 'name');
    expect((await t.api.get('/v1/api-keys', { token: alice.token })).body.data).toEqual([]);
    // a surrogate pair is one character, sent and stored as it is
    const emoji = await transfer({ to_email: 'bob@example.com', currency: 'USD', amount: '1.00', memo: 'gift 😀' });
    expect([emoji.status, emoji.body.memo]).toEqual([201, 'gift 😀']);
  });

  it("answers an adjustment's Idempotency-Key again only for the same request, naming every field that differs", async () => {
    const first = { user_id: bob.id, currency: 'USD', amount: '1.00', reason: 'goodwill' };
    const adjust = (changes: object) =>
      t.api.post(
        '/v1/ops/adjustments',
        { ...first, ...changes },
        { token: t.admin.token, headers: { 'idempotency-key': 'reason-key' } },
      );
    expect((await adjust({})).status).toBe(201);
    expect((await adjust({ amount: '1.0' })).headers.get('idempotent-replayed')).toBe('true');
    const differs = async (changes: object) => {
      const answer = await adjust(changes);
      expectProblem(answer, 409, 'idempotency_conflict', 'Idempotency-Key');
      return answer.body.errors[0].message as string;
    };
    expect(await differs({ reason: 'another reason' })).toBe('was used for a different adjustment (reason differs)');
    expect(await differs({ amount: '2.00' })).toBe('was used for a different adjustment (amount differs)');
    expect(await differs({ amount: '-1.00' })).toBe('was used for a different adjustment (amount differs)');
    expect(await differs({ user_id: alice.id, reason: 'another reason' })).toBe(
      'was used for a different adjustment (user_id, reason differ)',
    );
    expect(await differs({ currency: 'XRP', amount: '1' })).toBe('was used for a different adjustment (currency, amount differ)');
  });

  it('registers users with clear errors', async () => {
    expectProblem(
      await t.api.post('/v1/auth/register', { email: 'alice@example.com', password: 'another long password' }),
      409,
      'email_taken',
      'email',
    );
    expectProblem(
      await t.api.post('/v1/auth/register', { email: 'carol@example.com', password: 'short' }),
      400,
      'validation_failed',
      'password',
    );
    expectProblem(
      await t.api.post('/v1/auth/token', { email: 'alice@example.com', password: 'wrong password!' }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await t.api.post('/v1/auth/token', { email: 'ghost@example.com', password: 'wrong password!' }),
      401,
      'unauthenticated',
    );
  });
});
