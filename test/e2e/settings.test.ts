/** Settings per group and user over the currency's default, decided by the one resolver, on the real stack. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund, startStack, type Stack } from '../support/stack.js';
import { putWithdrawalSettings } from '../support/withdrawal-settings.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const ETH_ADDRESS = '0x1111111111111111111111111111111111111111';

describe('settings resolver end to end', () => {
  it('lets a group limit override the currency limit, and a user override override the group', async () => {
    const admin = { token: stack.admin.token };
    const [alice, bob] = [
      await stack.api.signUp('alice-settings@example.com'),
      await stack.api.signUp('bob-settings@example.com'),
    ];
    await fund(stack, alice.id, 'USD', '500.00');
    await fund(stack, bob.id, 'USD', '500.00');
    const base = {
      enabled: true,
      min_amount: '0.01',
      max_amount: '10.00',
      daily_limit: '20.00',
      fee_fixed: '0',
      fee_percent: '0',
    };
    expect((await stack.api.put('/v1/ops/settings/transfers/USD', base, admin)).status).toBe(200);
    expect((await stack.api.post('/v1/ops/groups', { id: 'vip', name: 'VIP clients' }, admin)).status).toBe(201);
    expect((await stack.api.post('/v1/ops/groups', { id: 'vip', name: 'again' }, admin)).status).toBe(409);
    const vip = await stack.api.put(
      '/v1/ops/settings/transfers/USD/group/vip',
      { values: { max_amount: '100.00', daily_limit: null } },
      admin,
    );
    expect(vip.status).toBe(200);
    expect(vip.body.values).toEqual({ max_amount: '100.00', daily_limit: null });

    let n = 0;
    const send = (from: { token: string }, to: { id: string }, amount: string) =>
      stack.api.post(
        '/v1/transfers',
        { to_user_id: to.id, currency: 'USD', amount },
        { token: from.token, headers: { 'idempotency-key': `settings-${++n}` } },
      );

    expect((await send(alice, bob, '50.00')).body.code).toBe('amount_above_maximum'); // the currency's limit
    const moved = await stack.api.put(`/v1/ops/users/${alice.id}/account`, { group_id: 'vip' }, admin);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ group_id: 'vip', account_type: 'individual', verification_level: 0 });
    expect((await send(alice, bob, '50.00')).status).toBe(201); // the group's limit
    expect((await send(alice, bob, '50.00')).status).toBe(201); // and no daily limit in the group
    expect((await send(bob, alice, '50.00')).body.code).toBe('amount_above_maximum'); // bob is not in it

    const effective = await stack.api.get(`/v1/ops/settings/transfers/USD/effective?user_id=${alice.id}`, admin);
    expect(effective.body.values).toMatchObject({ max_amount: '100.00', daily_limit: null, min_amount: '0.01' });
    const mine = await stack.api.get('/v1/me/settings/transfers/USD', { token: alice.token });
    expect(mine.body.values).toEqual(effective.body.values);
    expect((await stack.api.get('/v1/me/settings/transfers/USD', { token: bob.token })).body.values).toMatchObject({
      max_amount: '10.00',
      daily_limit: '20.00',
    });

    const own = await stack.api.put(`/v1/ops/settings/transfers/USD/user/${alice.id}`, { values: { enabled: false } }, admin);
    expect(own.status).toBe(200);
    expect((await send(alice, bob, '1.00')).body.code).toBe('currency_disabled');
    expect((await stack.api.delete(`/v1/ops/settings/transfers/USD/user/${alice.id}`, admin)).status).toBe(204);
    expect((await send(alice, bob, '1.00')).status).toBe(201);

    const layers = await stack.api.get('/v1/ops/settings/transfers/USD/layers', admin);
    expect(layers.body.layers.map((l: { scope: string; scope_id: string }) => `${l.scope}:${l.scope_id}`)).toEqual([
      'default:',
      'group:vip',
    ]);
  });

  it('applies a group limit to withdrawals and a verification level limit below it', async () => {
    const admin = { token: stack.admin.token };
    const carol = await stack.api.signUp('carol-settings@example.com');
    await stack.db.sql`update users set verification_level = 2 where id = ${carol.id}`;
    await putWithdrawalSettings(stack, 'ETH', { min_amount: '0.001', max_amount: '1' });
    expect((await stack.api.put('/v1/ops/settings/withdrawals/ETH/level/2', { values: { max_amount: '3' } }, admin)).status).toBe(
      200,
    );
    expect((await stack.api.post('/v1/ops/groups', { id: 'desk', name: 'OTC desk' }, admin)).status).toBe(201);
    expect(
      (await stack.api.put('/v1/ops/settings/withdrawals/ETH/group/desk', { values: { max_amount: '5' } }, admin)).status,
    ).toBe(200);

    let n = 0;
    const withdraw = async (amount: string) =>
      (
        await stack.api.post(
          '/v1/withdrawals',
          { currency: 'ETH', amount, address: ETH_ADDRESS },
          { token: carol.token, headers: { 'idempotency-key': `w-settings-${++n}` } },
        )
      ).body.code;

    // past the rules, the hold finds no funds: that is how a request shows it passed them
    expect(await withdraw('2')).toBe('insufficient_funds'); // level 2 lifts the currency's 1 to 3
    expect(await withdraw('4')).toBe('amount_above_maximum');
    expect((await stack.api.put(`/v1/ops/users/${carol.id}/account`, { group_id: 'desk' }, admin)).status).toBe(200);
    expect(await withdraw('4')).toBe('insufficient_funds'); // the group over the level
    expect(await withdraw('6')).toBe('amount_above_maximum');
  });

  it('refuses an override with an unknown field, a bad amount or an unknown group', async () => {
    const admin = { token: stack.admin.token };
    const put = (path: string, values: object) => stack.api.put(`/v1/ops/settings/${path}`, { values }, admin);
    const unknownField = await put('transfers/USD/group/vip', { colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors).toEqual([{ path: 'values.colour', message: 'is not a setting of this operation' }]);
    const badAmount = await put('transfers/USD/group/vip', { max_amount: '1.001' });
    expect(badAmount.status).toBe(400);
    expect(badAmount.body.errors[0].path).toBe('values.max_amount');
    const badPercent = await put('transfers/USD/default', { fee_percent: 'lots' });
    expect(badPercent.status).toBe(400);
    expect(badPercent.body.errors.map((e: { path: string }) => e.path)).toEqual(['values.fee_percent']);
    expect((await put('transfers/USD/group/nobody', { max_amount: '1' })).status).toBe(404);
    expect((await put('bets/USD/group/vip', { max_amount: '1' })).status).toBe(404);
    expect((await put('transfers/usd/group/vip', { max_amount: '1' })).status).toBe(400);
    expect((await stack.api.put('/v1/ops/settings/transfers/USD/group/vip', { values: {} }, { token: 'nope' })).status).toBe(401);
  });
});
