/**
 * Separation of duties: an operator's decisions about their own account (a balance adjustment, their withdrawal,
 * their held deposit, their invoice, their email or identity verification) are refused, through the ops API and the console alike;
 * another operator may make them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ConsoleHttp } from '../support/console-http.js';

let t: TestApp;
let operator: { id: string; token: string; email: string };
beforeAll(async () => {
  t = await startTestApp();
  operator = await t.api.signUp('own-account-operator@example.com');
  expect((await t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: t.admin.token })).status).toBe(200);
});
afterAll(() => t?.close());

const ownAccountRefusal = (field: string) => ({
  status: 403,
  code: 'forbidden',
  errors: [{ path: field, message: 'is your own account' }],
});

const usdAvailable = async (token: string) =>
  ((await t.api.get('/v1/balances', { token })).body.data as Array<{ currency: string; available: string }>).find(
    (b) => b.currency === 'USD',
  )?.available ?? '0.00';

const adjust = (userId: string, token: string, key: string) =>
  t.api.post(
    '/v1/ops/adjustments',
    { user_id: userId, currency: 'USD', amount: '1000.00', reason: 'bonus' },
    { token, headers: { 'idempotency-key': key } },
  );

describe("an operator's own account", () => {
  it('is not theirs to credit, by the ops API or the console; another operator may', async () => {
    expect((await adjust(operator.id, operator.token, 'own-1')).body).toMatchObject(ownAccountRefusal('user_id'));

    const console = await ConsoleHttp.signIn(t.api, operator.email);
    const form = await console.post(`/users/${operator.id}`, `/users/${operator.id}/adjust`, {
      key: crypto.randomUUID(),
      currency: 'USD',
      amount: '1000.00',
      reason: 'bonus',
      confirm: 'yes',
    });
    expect(form.status).toBe(403);
    expect(form.body).toContain('your own account');
    expect(await usdAvailable(operator.token)).toBe('0.00');

    expect((await adjust(operator.id, t.admin.token, 'by-admin')).status).toBe(201);
    expect(await usdAvailable(operator.token)).toBe('1000.00');
  });

  it('is not theirs to vouch for: their email and identity verification', async () => {
    expect(
      (await t.api.put(`/v1/ops/users/${operator.id}/email-verified`, { verified: true }, { token: operator.token })).body,
    ).toMatchObject(ownAccountRefusal('id'));
    const kyc = await t.api.put(
      `/v1/ops/users/${operator.id}/verification`,
      { status: 'verified', level: 3 },
      { token: operator.token },
    );
    expect(kyc.body).toMatchObject(ownAccountRefusal('id'));
    const [row] = await t.db.sql`select email_verified_at, verification_level from users where id = ${operator.id}`;
    expect(row).toMatchObject({ emailVerifiedAt: null, verificationLevel: 0 });
  });

  it('keeps their withdrawal waiting for another operator, and their held deposit held', async () => {
    const [withdrawal] = await t.db.sql`
      insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters)
      values (${operator.id}, 'own-withdrawal', 'USD', 100000, 0, 'somewhere', 'awaiting_approval', true, '[]')
      returning id`;
    const id = withdrawal!.id as string;
    const decide = (action: string, body: object) =>
      t.api.post(`/v1/ops/withdrawals/${id}/${action}`, body, { token: operator.token });
    expect((await decide('approve', {})).body).toMatchObject(ownAccountRefusal('id'));
    expect((await decide('reject', { reason: 'changed my mind' })).body).toMatchObject(ownAccountRefusal('id'));
    expect((await decide('close', { outcome: 'failed', note: 'closing it myself' })).body).toMatchObject(ownAccountRefusal('id'));

    const [deposit] = await t.db.sql`
      insert into deposits (user_id, currency, chain, address, amount, tx_hash, event_index, event_key, workflow_id, status, hold_reason)
      values (${operator.id}, 'USD', 'evm-own', '0xown', 500000, '0xown-deposit', 0, '0', 'deposit:own', 'held', 'above_maximum')
      returning id`;
    const credit = await t.api.post(`/v1/ops/deposits/${deposit!.id}/credit`, undefined, { token: operator.token });
    expect(credit.body).toMatchObject(ownAccountRefusal('id'));
    expect((await t.db.sql`select status from withdrawals where id = ${id}`)[0]!.status).toBe('awaiting_approval');
    expect((await t.db.sql`select status from deposits where id = ${deposit!.id}`)[0]!.status).toBe('held');
  });

  it('does not let them mark an invoice of theirs settled (one from when they were a merchant)', async () => {
    const [invoice] = await t.db.sql`
      insert into invoices (merchant_id, currency, amount, accepted_currencies, fee_ppm, conversion_fee_ppm, status, expires_at,
                            monitoring_until)
      values (${operator.id}, 'USD', 100000, '{USD}', 0, 0, 'expired', now(), now())
      returning id`;
    const marked = await t.api.post(
      `/v1/ops/invoices/${invoice!.id}/mark`,
      { mark: 'settled', note: 'paid by hand' },
      { token: operator.token },
    );
    expect(marked.body).toMatchObject(ownAccountRefusal('id'));
    expect((await t.db.sql`select status from invoices where id = ${invoice!.id}`)[0]!.status).toBe('expired');
  });
});
