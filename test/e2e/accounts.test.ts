/** Account endpoints on the real stack: the caller's account, statistics per currency and type, and disabling. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../support/signed-request.js';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

describe('accounts', () => {
  it("shows the caller's account and their totals per currency and operation type over a period", async () => {
    const [alice, bob] = [await stack.api.signUp('stats-alice@example.com'), await stack.api.signUp('stats-bob@example.com')];
    await fund(stack, alice.id, 'EUR', '100.00');
    for (const [n, amount] of [
      [1, '10.00'],
      [2, '20.00'],
    ] as const) {
      const sent = await stack.api.post(
        '/v1/transfers',
        { to_user_id: bob.id, currency: 'EUR', amount },
        { token: alice.token, headers: { 'idempotency-key': `stats-${n}` } },
      );
      expect(sent.status).toBe(201);
    }
    const me = await stack.api.get('/v1/me', { token: alice.token });
    expect(me.body).toMatchObject({ id: alice.id, account_type: 'individual', group_id: null, verification_level: 0 });

    const stats = await stack.api.get('/v1/statistics', { token: alice.token });
    expect(stats.status).toBe(200);
    const eur = stats.body.data.filter((t: { currency: string }) => t.currency === 'EUR');
    expect(eur).toContainEqual({ currency: 'EUR', type: 'internal_transfer', received: '0.00', sent: '30.00', count: 2 });
    expect(eur.find((t: { type: string }) => t.type !== 'internal_transfer')).toMatchObject({
      received: '100.00',
      sent: '0.00',
      count: 1,
    });
    const bobs = await stack.api.get('/v1/statistics', { token: bob.token });
    expect(bobs.body.data).toEqual([{ currency: 'EUR', type: 'internal_transfer', received: '30.00', sent: '0.00', count: 2 }]);

    const past = await stack.api.get('/v1/statistics?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z', { token: alice.token });
    expect(past.body).toEqual({ from: '2020-01-01T00:00:00.000Z', to: '2020-02-01T00:00:00.000Z', data: [] });
    const backwards = await stack.api.get('/v1/statistics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', {
      token: alice.token,
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([{ path: 'from', message: 'must be before to' }]);
    expect((await stack.api.get('/v1/statistics?from=yesterday', { token: alice.token })).status).toBe(400);
  });

  it("refuses a disabled user's API key within a second, and accepts it again once re-enabled", async () => {
    const user = await stack.api.signUp('disabled-key@example.com');
    const created = await stack.api.createApiKey(user, { name: 'bot' });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const viaKey = async () =>
      (await stack.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status;
    expect(await viaKey()).toBe(200);

    const disable = (disabled: boolean) =>
      stack.api.put(`/v1/ops/users/${user.id}/disabled`, { disabled }, { token: stack.admin.token });
    const started = Date.now();
    expect((await disable(true)).status).toBe(200);
    while ((await viaKey()) !== 401) {
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await stack.api.get('/v1/me', { token: user.token })).status).toBe(401);
    expect((await disable(false)).status).toBe(200);
    expect(await viaKey()).toBe(200);
  });
});
