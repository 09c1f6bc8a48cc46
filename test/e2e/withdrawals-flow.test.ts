/**
 * Withdrawals on the real stack, the parts that need no chain: rules and validation, the code through real SMTP,
 * approval, cancellation, idempotency, concurrency against balance and daily limit, and the operator's manual close
 * when no provider can pay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitGroups } from '../../services/ledger/journal.js';
import { insertWithdrawal } from '../../services/withdrawals/store.js';
import { holdGroup } from '../../domain/withdrawals/ledger.js';
import { WITHDRAWAL_SETTINGS, withdrawalCounters } from '../../domain/withdrawals/rules.js';
import { Authenticator } from '../support/authenticator.js';
import { fund, mailTo, startStack, type Stack } from '../support/stack.js';
import { putWithdrawalSettings } from '../support/withdrawal-settings.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ mailSink: true, env: { WITHDRAWAL_POLL_INTERVAL: '2s', START_SWEEP_INTERVAL: '1s' } });
});
afterAll(() => stack?.stop());

const ADDRESS = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';
let n = 0;
const key = () => ({ 'idempotency-key': `w-${++n}` });

async function balance(token: string, currency: string) {
  const response = await stack.api.get('/v1/balances', { token });
  return response.body.data.find((b: { currency: string }) => b.currency === currency);
}

async function statusOf(token: string, id: string) {
  return (await stack.api.get(`/v1/withdrawals/${id}`, { token })).body;
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const value = await probe();
    if (done(value)) return value;
    await sleep(200);
  }
  throw new Error('condition not reached');
}

const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

describe('withdrawals without a chain', () => {
  it('validates the request and holds nothing when a rule fails', async () => {
    const user = await stack.api.signUp('rules@example.com');
    await fund(stack, user.id, 'ETH', '1');
    const post = (body: object) => stack.api.post('/v1/withdrawals', body, { token: user.token, headers: key() });
    expect((await post({ currency: 'ETH', amount: '0.1', address: ADDRESS.replace('A72', 'A73') })).body).toMatchObject({
      status: 400,
      code: 'invalid_address',
      errors: [{ path: 'address' }],
    });
    expect((await post({ currency: 'ETH', amount: '0.1', address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh' })).body.code).toBe(
      'invalid_address',
    );
    expect((await post({ currency: 'ETH', amount: '0.1', address: ADDRESS, destination_tag: 5 })).body.errors[0].path).toBe(
      'destination_tag',
    );
    expect((await post({ currency: 'XRP', amount: '1', address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTi' })).body.code).toBe(
      'invalid_address',
    );
    // well-formed addresses where funds are burnt
    for (const burnt of [
      { currency: 'ETH', amount: '0.1', address: '0x0000000000000000000000000000000000000000' },
      { currency: 'XRP', amount: '1', address: 'rrrrrrrrrrrrrrrrrrrrrhoLvTp' },
    ])
      expect((await post(burnt)).body).toMatchObject({ status: 400, code: 'invalid_address', errors: [{ path: 'address' }] });
    expect((await post({ currency: 'USD', amount: '1', address: ADDRESS })).body.code).toBe('withdrawals_unsupported');
    expect((await post({ currency: 'ETH', amount: '0.0000000000000000001', address: ADDRESS })).body.errors[0].path).toBe(
      'amount',
    );

    const settings = { min_amount: '0.01', max_amount: '0.5', fee_fixed: '0.001' };
    await putWithdrawalSettings(stack, 'ETH', settings);
    expect((await post({ currency: 'ETH', amount: '0.001', address: ADDRESS })).body.code).toBe('amount_below_minimum');
    expect((await post({ currency: 'ETH', amount: '0.6', address: ADDRESS })).body.code).toBe('amount_above_maximum');
    await putWithdrawalSettings(stack, 'ETH', { ...settings, max_amount: null });
    expect((await post({ currency: 'ETH', amount: '1', address: ADDRESS })).body.code).toBe('insufficient_funds'); // 1 + 0.001 fee
    expect(await balance(user.token, 'ETH')).toMatchObject({ posted: '1.000000000000000000', pending: '0.000000000000000000' });
    expect((await stack.api.get('/v1/withdrawals', { token: user.token })).body.data).toEqual([]);
  });

  it('mails a code, confirms it, waits for approval of a new address, and closes as failed when no provider can pay', async () => {
    const user = await stack.api.signUp('flow@example.com');
    await fund(stack, user.id, 'ETH', '2');
    const headers = key();
    const created = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'ETH', amount: '0.5', address: ADDRESS.toLowerCase() },
      { token: user.token, headers },
    );
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: 'awaiting_confirmation',
      amount: '0.500000000000000000',
      fee: '0.001000000000000000',
      address: ADDRESS,
      approval_required: true,
      approval_reasons: ['new_address'],
    });
    expect(await balance(user.token, 'ETH')).toMatchObject({
      pending: '0.501000000000000000',
      available: '1.499000000000000000',
    });

    const again = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'ETH', amount: '0.5', address: ADDRESS },
      { token: user.token, headers },
    );
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(created.body.id);
    expect(
      (
        await stack.api.post(
          '/v1/withdrawals',
          { currency: 'ETH', amount: '0.4', address: ADDRESS },
          { token: user.token, headers },
        )
      ).status,
    ).toBe(409);

    const mail = await mailTo(stack, 'flow@example.com', /withdrawal code/);
    expect(mail.text).toContain('0.500000000000000000 ETH');
    const code = codeIn(mail.subject);
    const wrong = await stack.api.post(
      `/v1/withdrawals/${created.body.id}/confirm`,
      { code: code === '000000' ? '111111' : '000000' },
      { token: user.token },
    );
    expect(wrong.body).toMatchObject({
      status: 422,
      code: 'confirmation_code_invalid',
      errors: [{ path: 'code', message: 'is wrong (4 attempts left)' }],
    });
    const other = await stack.api.signUp('other@example.com');
    expect((await stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, { code }, { token: other.token })).status).toBe(
      404,
    );
    const confirm = (body: object) => stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, body, { token: user.token });
    expect((await confirm({ code })).body).toEqual({ confirmed: true });
    // the same confirmation again (a client retrying after its answer was lost) is answered as the first was; any
    // other code is still refused, now that the withdrawal has moved on
    const repeated = await confirm({ code });
    expect([repeated.status, repeated.body]).toEqual([200, { confirmed: true }]);
    const otherCode = await confirm({ code: code === '000000' ? '111111' : '000000' });
    expect([otherCode.status, otherCode.body.detail]).toEqual([
      409,
      'the withdrawal is awaiting approval, not awaiting confirmation',
    ]);

    // the confirm's answer comes once the new status is stored: the next read sees it
    const awaiting = await statusOf(user.token, created.body.id);
    expect(awaiting).toMatchObject({ status: 'awaiting_approval', decision: null });
    const queue = await stack.api.get('/v1/ops/withdrawals?status=awaiting_approval', { token: stack.admin.token });
    expect(queue.body.data.map((w: { id: string }) => w.id)).toContain(created.body.id);
    expect(
      (await stack.api.post(`/v1/ops/withdrawals/${created.body.id}/approve`, undefined, { token: user.token })).status,
    ).toBe(403);
    const approve = () =>
      stack.api.post(`/v1/ops/withdrawals/${created.body.id}/approve`, undefined, { token: stack.admin.token });
    expect((await approve()).body).toEqual({ status: 'queued' });
    // the operator's approval again is answered as the first was
    const approvedAgain = await approve();
    expect([approvedAgain.status, approvedAgain.body]).toEqual([200, { status: 'queued' }]);

    // this stack configures no provider for ETH: the withdrawal waits for an operator, the funds stay held
    await eventually(
      () => statusOf(user.token, created.body.id),
      (w) => w.status === 'failed_awaiting_operator',
    );
    expect(await balance(user.token, 'ETH')).toMatchObject({ pending: '0.501000000000000000' });
    expect((await stack.api.post(`/v1/withdrawals/${created.body.id}/cancel`, undefined, { token: user.token })).status).toBe(
      409,
    );
    // nothing was sent, so nothing proves it paid: succeeded is refused, naming the transaction it lacks
    const unproven = await stack.api.post(
      `/v1/ops/withdrawals/${created.body.id}/close`,
      { outcome: 'succeeded', note: 'paid, trust me' },
      { token: stack.admin.token },
    );
    expect(unproven.body).toMatchObject({
      status: 422,
      code: 'payout_unproven',
      errors: [{ path: 'tx_hash', message: expect.stringMatching(/^is required: nothing was sent/) }],
    });
    const closing = { outcome: 'failed', note: 'no hot wallet configured' };
    const close = (body: object) =>
      stack.api.post(`/v1/ops/withdrawals/${created.body.id}/close`, body, { token: stack.admin.token });
    expect((await close(closing)).body).toEqual({ status: 'closed' });

    const done = await eventually(
      () => statusOf(user.token, created.body.id),
      (w) => w.status === 'closed',
    );
    expect(done.history.map((e: { status: string }) => e.status)).toEqual([
      'awaiting_confirmation',
      'awaiting_approval',
      'queued',
      'failed_awaiting_operator',
      'closed',
    ]);
    expect(done.history.at(-1)).toMatchObject({
      actor: `operator:${stack.admin.id}`,
      detail: { outcome: 'failed', note: 'no hot wallet configured' },
    });
    expect(done.decision).toEqual({ by: stack.admin.id, note: 'no hot wallet configured' });
    expect(done.chain).toBeNull(); // nothing was sent
    expect(await balance(user.token, 'ETH')).toMatchObject({ posted: '2.000000000000000000', pending: '0.000000000000000000' });

    // once its workflow has ended, a decision taken is still answered as it was, and any other is refused naming the
    // status it ended in
    await stack.temporal.workflow.getHandle(`withdrawal:${created.body.id}`).result();
    expect(await close(closing)).toMatchObject({ status: 200, body: { status: 'closed' } });
    expect(await approve()).toMatchObject({ status: 200, body: { status: 'queued' } });
    const late = await close({ ...closing, note: 'again' });
    expect([late.status, late.body.detail]).toEqual([409, 'the withdrawal is closed and no longer in progress']);
    const lateCode = await confirm({ code: code === '000000' ? '111111' : '000000' });
    expect([lateCode.status, lateCode.body.detail]).toEqual([409, 'the withdrawal is closed and no longer in progress']);
    expect((await confirm({ code })).body).toEqual({ confirmed: true });
  });

  it('answers a decision sent twice at once as one, the second once the first is recorded; a different one is refused', async () => {
    // a client retrying after a timeout sends its repeat while the first is being recorded: it was a 409
    const user = await stack.api.signUp('twice@example.com');
    await fund(stack, user.id, 'ETH', '2');
    const request = async (amount: string) => {
      const created = await stack.api.post(
        '/v1/withdrawals',
        { currency: 'ETH', amount, address: ADDRESS },
        { token: user.token, headers: key() },
      );
      const code = codeIn(
        (await mailTo(stack, 'twice@example.com', /withdrawal code/, `${amount}00000000000000000 ETH`)).subject,
      );
      return { id: created.body.id as string, code };
    };
    const twice = <T>(send: () => Promise<T>) => Promise.all([send(), send()]);
    const answers = (sent: Array<{ status: number; body: unknown }>) => sent.map((a) => [a.status, a.body]);

    const first = await request('0.1');
    const confirm = () => stack.api.post(`/v1/withdrawals/${first.id}/confirm`, { code: first.code }, { token: user.token });
    expect(answers(await twice(confirm))).toEqual([
      [200, { confirmed: true }],
      [200, { confirmed: true }],
    ]);
    const approve = () => stack.api.post(`/v1/ops/withdrawals/${first.id}/approve`, undefined, { token: stack.admin.token });
    expect(answers(await twice(approve))).toEqual([
      [200, { status: 'queued' }],
      [200, { status: 'queued' }],
    ]);
    await eventually(
      () => statusOf(user.token, first.id),
      (w) => w.status === 'failed_awaiting_operator',
    );
    const close = () =>
      stack.api.post(`/v1/ops/withdrawals/${first.id}/close`, { outcome: 'failed', note: 'twice' }, { token: stack.admin.token });
    expect(answers(await twice(close))).toEqual([
      [200, { status: 'closed' }],
      [200, { status: 'closed' }],
    ]);
    const history = (await statusOf(user.token, first.id)).history.map((e: { status: string }) => e.status);
    expect(history).toEqual(['awaiting_confirmation', 'awaiting_approval', 'queued', 'failed_awaiting_operator', 'closed']);

    // an approval and a rejection at once: one is taken, the other refused naming what the first led to
    const second = await request('0.2');
    await stack.api.post(`/v1/withdrawals/${second.id}/confirm`, { code: second.code }, { token: user.token });
    const decided = await Promise.all([
      stack.api.post(`/v1/ops/withdrawals/${second.id}/approve`, undefined, { token: stack.admin.token }),
      stack.api.post(`/v1/ops/withdrawals/${second.id}/reject`, { reason: 'at once' }, { token: stack.admin.token }),
    ]);
    expect(decided.map((a) => a.status).sort()).toEqual([200, 409]);
    const taken = decided.find((a) => a.status === 200)!.body.status;
    expect(decided.find((a) => a.status === 409)!.body.detail).toMatch(new RegExp(`^the withdrawal is ${taken}`));
  });

  it('asks at confirmation for the second factor the user has then, not the one they had at the request', async () => {
    const password = { current_password: 'a long enough password' };
    const enrol = async (token: string) => {
      const enrolled = await stack.api.post('/v1/auth/totp/enroll', password, { token });
      const app = new Authenticator(enrolled.body.secret as string);
      expect((await stack.api.post('/v1/auth/totp/verify', { code: await app.code(), ...password }, { token })).status).toBe(200);
      return app;
    };
    const request = async (user: { id: string; token: string }) => {
      await fund(stack, user.id, 'ETH', '1');
      const created = await stack.api.post(
        '/v1/withdrawals',
        { currency: 'ETH', amount: '0.1', address: ADDRESS },
        { token: user.token, headers: key() },
      );
      expect(created.status).toBe(202);
      return created.body.id as string;
    };
    const confirm = (token: string, id: string, body: object) => stack.api.post(`/v1/withdrawals/${id}/confirm`, body, { token });

    // two-factor on at the request, turned off since: the mailed code alone confirms (it waited for its expiry before)
    const turnedOff = await stack.api.signUp('totp-off-since@example.com');
    const app = await enrol(turnedOff.token);
    const first = await request(turnedOff);
    expect(
      (
        await stack.api.post(
          '/v1/auth/totp/disable',
          { current_password: 'a long enough password', totp: await app.code() },
          { token: turnedOff.token },
        )
      ).status,
    ).toBe(200);
    const firstCode = codeIn((await mailTo(stack, 'totp-off-since@example.com', /withdrawal code/)).subject);
    expect(await confirm(turnedOff.token, first, { code: firstCode })).toMatchObject({ status: 200, body: { confirmed: true } });

    // off at the request, turned on since: the code is asked for, and its absence costs no attempt
    const turnedOn = await stack.api.signUp('totp-on-since@example.com');
    const second = await request(turnedOn);
    const app2 = await enrol(turnedOn.token);
    const secondCode = codeIn((await mailTo(stack, 'totp-on-since@example.com', /withdrawal code/)).subject);
    expect((await confirm(turnedOn.token, second, { code: secondCode })).body).toMatchObject({
      code: 'totp_required',
      errors: [{ path: 'totp', message: 'is required' }],
    });
    const confirmed = await confirm(turnedOn.token, second, { code: secondCode, totp: await app2.code() });
    expect(confirmed).toMatchObject({ status: 200, body: { confirmed: true } });
  });

  it('releases the hold when the user cancels, says how much came back, and answers a second cancel as the first', async () => {
    await putWithdrawalSettings(stack, 'XRP', { fee_fixed: '1.05' });
    const user = await stack.api.signUp('cancel@example.com');
    await fund(stack, user.id, 'XRP', '100');
    const created = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'XRP', amount: '25', address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh', destination_tag: 12345 },
      { token: user.token, headers: key() },
    );
    expect(created.body).toMatchObject({ status: 'awaiting_confirmation', destination_tag: '12345' });
    await eventually(
      () => statusOf(user.token, created.body.id),
      () => true,
    );
    expect((await stack.api.post(`/v1/withdrawals/${created.body.id}/cancel`, undefined, { token: user.token })).body).toEqual({
      status: 'cancelled',
    });
    // answered once stored: a read right after the answer shows it
    expect(await statusOf(user.token, created.body.id)).toMatchObject({ status: 'cancelled' });
    expect(await balance(user.token, 'XRP')).toMatchObject({ posted: '100.000000', pending: '0.000000' });
    const mail = await mailTo(stack, 'cancel@example.com', /withdrawal was cancelled/);
    const text = mail.text.replace(/\s+/g, ' ');
    expect(text).toContain(': 25.000000 XRP.');
    expect(text).toContain('Back on your balance: 26.050000 XRP (the amount and the fee of 1.050000 XRP).');
    const cancelledAgain = await stack.api.post(`/v1/withdrawals/${created.body.id}/cancel`, undefined, { token: user.token });
    expect([cancelledAgain.status, cancelledAgain.body]).toEqual([200, { status: 'cancelled' }]);
  });

  it('never lets 20 withdrawals at once exceed the balance or the daily limit', async () => {
    await putWithdrawalSettings(stack, 'XRP', { min_amount: '1', daily_limit: '70' });
    const limited = await stack.api.signUp('limited@example.com');
    await fund(stack, limited.id, 'XRP', '1000');
    const poor = await stack.api.signUp('poor@example.com');
    await fund(stack, poor.id, 'XRP', '50');
    const burst = (token: string) =>
      Promise.all(
        Array.from({ length: 20 }, () =>
          stack.api.post(
            '/v1/withdrawals',
            { currency: 'XRP', amount: '10', address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh' },
            { token, headers: key() },
          ),
        ),
      );

    const byLimit = await burst(limited.token);
    expect(byLimit.filter((r) => r.status === 202)).toHaveLength(7);
    expect(new Set(byLimit.filter((r) => r.status !== 202).map((r) => r.body.code))).toEqual(new Set(['daily_limit_exceeded']));
    expect(await balance(limited.token, 'XRP')).toMatchObject({ pending: '70.000000', available: '930.000000' });

    const byBalance = await burst(poor.token);
    expect(byBalance.filter((r) => r.status === 202)).toHaveLength(5);
    expect(new Set(byBalance.filter((r) => r.status !== 202).map((r) => r.body.code))).toEqual(new Set(['insufficient_funds']));
    expect(await balance(poor.token, 'XRP')).toMatchObject({ posted: '50.000000', available: '0.000000' });
  });

  it('starts the workflow of a held withdrawal whose API died before starting it', async () => {
    const user = await stack.api.signUp('orphan@example.com');
    await fund(stack, user.id, 'XRP', '30');
    // what POST /v1/withdrawals commits before it starts the workflow, and nothing after
    const counters = withdrawalCounters(
      user.id,
      'XRP',
      10_000_000n,
      WITHDRAWAL_SETTINGS.decode(WITHDRAWAL_SETTINGS.defaults),
      new Date(),
    );
    const orphan = await stack.db.sql.begin(async (tx) => {
      const w = (await insertWithdrawal(tx, {
        userId: user.id,
        idempotencyKey: 'orphan',
        currency: 'XRP',
        amount: 10_000_000n,
        fee: 0n,
        address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh',
        destinationTag: null,
        approvalRequired: false,
        approvalReasons: [],
        counters,
      }))!;
      const [outcome] = await commitGroups(tx, [holdGroup(w, counters)]);
      expect(outcome!.ok).toBe(true);
      return w;
    });
    const mail = await mailTo(stack, 'orphan@example.com', /withdrawal code/);
    expect(mail.text).toContain(orphan.id);
    expect((await stack.api.post(`/v1/withdrawals/${orphan.id}/cancel`, undefined, { token: user.token })).body).toEqual({
      status: 'cancelled',
    });
    await eventually(
      () => balance(user.token, 'XRP'),
      (b) => b.pending === '0.000000',
    );
  });

  it('keeps the books balanced', async () => {
    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(audit.body).toMatchObject({ ok: true, drifts: [] });
  });
});
