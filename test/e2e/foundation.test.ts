/** A new user on the real stack: register, get funded by an operator, transfer, read balances and history, audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const balanceIn = async (token: string, currency: string) => {
  const response = await stack.api.get('/v1/balances', { token });
  return response.body.data.find((b: { currency: string }) => b.currency === currency);
};

describe('foundation end to end', () => {
  it('reports healthy dependencies', async () => {
    const health = await stack.api.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, checks: { database: { ok: true }, temporal: { ok: true } } });
  });

  it('moves money between two new users and keeps the books balanced', async () => {
    const alice = await stack.api.signUp('alice@example.com');
    const bob = await stack.api.signUp('bob@example.com');
    await fund(stack, alice.id, 'USD', '100.00');
    expect(await balanceIn(alice.token, 'USD')).toEqual({
      currency: 'USD',
      posted: '100.00',
      pending: '0.00',
      available: '100.00',
    });

    const settings = await stack.api.put(
      '/v1/ops/settings/transfers/USD',
      { enabled: true, min_amount: '0.01', max_amount: '1000.00', daily_limit: '60.00', fee_fixed: '0.10', fee_percent: '1' },
      { token: stack.admin.token },
    );
    expect(settings.status).toBe(200);

    const headers = { 'idempotency-key': 'first-transfer' };
    const sent = await stack.api.post(
      '/v1/transfers',
      { to_email: 'BOB@example.com', currency: 'USD', amount: '25.00', memo: 'lunch' },
      { token: alice.token, headers },
    );
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      currency: 'USD',
      amount: '25.00',
      fee: '0.35',
      from_user_id: alice.id,
      to_user_id: bob.id,
      memo: 'lunch',
    });

    // the same request (the recipient's email in any case): a memo left out would be another request, a 409
    const repeated = await stack.api.post(
      '/v1/transfers',
      { to_email: 'bob@example.com', currency: 'USD', amount: '25.00', memo: 'lunch' },
      { token: alice.token, headers },
    );
    expect(repeated.status).toBe(201);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
    expect(repeated.body).toEqual(sent.body); // answered from the journal, metadata and all

    const conflicting = await stack.api.post(
      '/v1/transfers',
      { to_email: 'bob@example.com', currency: 'USD', amount: '26.00' },
      { token: alice.token, headers },
    );
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.code).toBe('idempotency_conflict');

    expect(await balanceIn(alice.token, 'USD')).toMatchObject({ posted: '74.65', available: '74.65' });
    expect(await balanceIn(bob.token, 'USD')).toMatchObject({ posted: '25.00' });

    const overLimit = await stack.api.post(
      '/v1/transfers',
      { to_user_id: bob.id, currency: 'USD', amount: '35.01' },
      { token: alice.token, headers: { 'idempotency-key': 'second' } },
    );
    expect(overLimit.status).toBe(422);
    expect(overLimit.body.code).toBe('daily_limit_exceeded');

    const tooMuch = await stack.api.post(
      '/v1/transfers',
      { to_user_id: alice.id, currency: 'USD', amount: '25.01' },
      { token: bob.token, headers: { 'idempotency-key': 'b1' } },
    );
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('insufficient_funds');

    const history = await stack.api.get('/v1/ledger/transfers?limit=2', { token: alice.token });
    expect(history.status).toBe(200);
    expect(history.body.data).toHaveLength(2);
    expect(history.body.data[0]).toMatchObject({
      type: 'transfer_fee',
      direction: 'out',
      amount: '0.35',
      counterparty: 'fees:USD',
    });
    expect(history.body.data[1]).toMatchObject({ type: 'internal_transfer', direction: 'out', amount: '25.00' });
    const rest = await stack.api.get(`/v1/ledger/transfers?limit=2&cursor=${history.body.next_cursor}`, { token: alice.token });
    expect(rest.body.data).toEqual([expect.objectContaining({ type: 'adjustment', direction: 'in', amount: '100.00' })]);
    expect(rest.body.next_cursor).toBeNull();

    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ ok: true, drifts: [], transfers_checked: 3 });
    expect(audit.body.currencies.find((c: { currency: string }) => c.currency === 'USD')).toMatchObject({
      posted_sum: '0',
      balanced: true,
    });

    const listed = await stack.api.get('/v1/ops/audits', { token: stack.admin.token });
    // not data[0]: the hourly schedule may have run an audit since (its interval is aligned to the clock's hours)
    expect(listed.body.data).toContainEqual(
      expect.objectContaining({ workflow_id: audit.body.workflow_id, ok: true, trigger: 'manual' }),
    );
    const queried = await stack.api.get(`/v1/ops/audits/${audit.body.workflow_id}`, { token: stack.admin.token });
    expect(queried.body).toMatchObject({ ok: true, id: audit.body.id });
  });

  it('registers the audit schedule and Sluice search attributes in Temporal', async () => {
    const schedule = await stack.temporal.schedule.getHandle('ledger-audit').describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(60 * 60 * 1000);
    const attributes = await stack.temporal.connection.operatorService.listSearchAttributes({ namespace: stack.namespace });
    expect(Object.keys(attributes.customAttributes ?? {})).toEqual(
      expect.arrayContaining(['SluiceKind', 'SluiceStatus', 'Chain', 'Currency', 'UserId', 'ApprovalState']),
    );
  });
});
