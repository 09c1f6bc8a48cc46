/**
 * Fast-exchange quotes through the API on a real PostgreSQL. POST /v1/exchange/{id}/repeat: the new quote's id follows
 * from the Idempotency-Key, so two repeats under one key that race each other store one quote, and each is answered
 * with that one (or a conflict). POST /v1/exchange/quotes under terms that buy nothing: a 422 naming the field; an
 * accept the balance cannot pay: a 422 naming the quote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let alice: { id: string; token: string };
let keys = 0;
const keyed = (token: string) => ({ token, headers: { 'idempotency-key': `k-${++keys}` } });

beforeAll(async () => {
  t = await startTestApp();
  alice = await t.api.signUp('alice@example.com');
  const funded = await t.api.post(
    '/v1/ops/adjustments',
    { user_id: alice.id, currency: 'USD', amount: '100.00', reason: 'test funding' },
    keyed(t.admin.token),
  );
  expect(funded.status).toBe(201);
  const inventory = await t.api.post('/v1/ops/exchange/inventory', { currency: 'UAH', amount: '10000.00' }, keyed(t.admin.token));
  expect(inventory.status).toBe(201);
});
afterAll(() => t?.close());

/** A swap of `amountIn` USD into UAH: a quote, accepted. */
async function swap(amountIn: string): Promise<string> {
  const quote = await t.api.post('/v1/exchange/quotes', { from: 'USD', to: 'UAH', amount_in: amountIn }, { token: alice.token });
  expect(quote.status).toBe(201);
  const accepted = await t.api.post(`/v1/exchange/quotes/${quote.body.id}/accept`, undefined, keyed(alice.token));
  expect(accepted.status).toBe(200);
  return quote.body.id as string;
}

describe('repeating a swap', () => {
  it('stores one quote for two repeats of different swaps racing under one key: the other is a conflict', async () => {
    const [ten, twenty] = [await swap('10.00'), await swap('20.00')];
    const headers = { 'idempotency-key': 'repeat-once' };
    const answers = await Promise.all([
      t.api.post(`/v1/exchange/${ten}/repeat`, undefined, { token: alice.token, headers }),
      t.api.post(`/v1/exchange/${twenty}/repeat`, undefined, { token: alice.token, headers }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const made = answers.find((a) => a.status === 201)!.body;
    expect(answers.find((a) => a.status === 409)!.body.code).toBe('idempotency_conflict');
    // the quote answered is the one stored under its id, whichever process reads it
    const stored = await t.db.sql`select amount_in from exchange_quotes where id = ${made.id}`;
    expect(`${stored[0]!.amountIn / 100n}.00`).toBe(made.amount_in);
    expect((await t.api.get(`/v1/exchange/quotes/${made.id}`, { token: alice.token })).body.amount_in).toBe(made.amount_in);
  });

  it('answers two identical repeats racing under one key with the same quote, the later one as a replay', async () => {
    const ten = await swap('10.00');
    const headers = { 'idempotency-key': 'repeat-same' };
    const answers = await Promise.all(
      [1, 2].map(() => t.api.post(`/v1/exchange/${ten}/repeat`, undefined, { token: alice.token, headers })),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers[0]!.body).toEqual(answers[1]!.body);
    expect(answers.map((a) => a.headers.get('idempotent-replayed')).sort()).toEqual([null, 'true']);
  });
});

describe('quoting', () => {
  it('answers a quote that a fee of 100% leaves nothing to buy with a 422 naming the field, whichever amount is given', async () => {
    const carol = await t.api.signUp('carol@example.com');
    const terms = await t.api.put(
      `/v1/ops/settings/fast-exchange/USD-UAH/user/${carol.id}`,
      { values: { fee_percent: '100' } },
      { token: t.admin.token },
    );
    expect(terms.status).toBe(200);
    for (const amount of [{ amount_out: '10.00' }, { amount_in: '10.00' }]) {
      const quote = await t.api.post('/v1/exchange/quotes', { from: 'USD', to: 'UAH', ...amount }, { token: carol.token });
      expect(quote.status).toBe(422);
      expect(quote.body).toMatchObject({ code: 'amount_below_minimum', errors: [{ path: Object.keys(amount)[0] }] });
    }
  });
});

describe('accepting', () => {
  it('refuses a quote whose amount_in is more than the balance with a 422 naming the quote, and moves nothing', async () => {
    const quote = await t.api.post(
      '/v1/exchange/quotes',
      { from: 'USD', to: 'UAH', amount_in: '150.50' },
      { token: alice.token },
    );
    expect(quote.status).toBe(201);
    const accepted = await t.api.post(`/v1/exchange/quotes/${quote.body.id}/accept`, undefined, keyed(alice.token));
    expect(accepted).toMatchObject({
      status: 422,
      body: {
        code: 'insufficient_funds',
        errors: [{ path: 'id', message: 'is a quote whose amount_in (150.5 USD) is more than your available balance' }],
      },
    });
    const status = await t.api.get(`/v1/exchange/quotes/${quote.body.id}`, { token: alice.token });
    expect(status.body.status).toBe('open');
  });
});
