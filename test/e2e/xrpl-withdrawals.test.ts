/**
 * XRP withdrawals end to end: the real API, worker and XRPL listener against the rippled double. The hot wallet
 * autofills, signs, stores and submits through xrpl.js; the listener sees the payout validated and tells the
 * withdrawal (polling is set far out, so the signal is what finishes it); a payout to our own deposit address with a
 * user's tag is that user's deposit, one that would credit nobody (no tag, a tag nobody holds, our own hot wallet) is
 * refused; a worker killed after the broadcast leaves exactly one payment on the ledger.
 */
import { Wallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomAddress } from '../support/rippled/payments.js';
import { fund, mailTo } from '../support/stack.js';
import { startXrplPayoutStack, type XrplPayoutStack } from '../support/xrpl-stack.js';

const XRP = 1_000_000n;
const hotWallet = Wallet.generate();
let stack: XrplPayoutStack;

beforeAll(async () => {
  stack = await startXrplPayoutStack(hotWallet, { address: hotWallet.classicAddress, drops: 1_000n * XRP });
});
afterAll(async () => {
  await stack?.stop();
});

async function statusOf(token: string, id: string) {
  return (await stack.api.get(`/v1/withdrawals/${id}`, { token })).body;
}
const waitStatus = (token: string, id: string, status: string) =>
  expect.poll(async () => (await statusOf(token, id)).status, { timeout: 60_000, interval: 200 }).toBe(status);

async function requestAndConfirm(email: string, destination: string, amount: string, tag = 7) {
  const user = await stack.api.signUp(email);
  await fund(stack, user.id, 'XRP', '100');
  const created = await stack.api.post(
    '/v1/withdrawals',
    { currency: 'XRP', amount, address: destination, destination_tag: tag },
    { token: user.token, headers: { 'idempotency-key': 'payout-1' } },
  );
  expect(created.status).toBe(202);
  const code = /\b(\d{6})\b/.exec((await mailTo(stack, email, /withdrawal code/)).subject)![1];
  expect((await stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, { code }, { token: user.token })).status).toBe(200);
  await waitStatus(user.token, created.body.id, 'awaiting_approval');
  expect(
    (await stack.api.post(`/v1/ops/withdrawals/${created.body.id}/approve`, undefined, { token: stack.admin.token })).status,
  ).toBe(200);
  return { user, id: created.body.id as string };
}

describe('XRP withdrawals end to end', () => {
  it('pays from the hot wallet, is told by the listener, and posts the hold with the fee', async () => {
    const destination = randomAddress();
    const { user, id } = await requestAndConfirm('xrp-payout@example.com', destination, '20');
    await waitStatus(user.token, id, 'succeeded');

    expect(stack.rippled.balanceOf(destination)).toBe(20n * XRP);
    const done = await statusOf(user.token, id);
    expect(done).toMatchObject({ provider: 'xrpl-hot', tx_hash: expect.stringMatching(/^[0-9A-F]{64}$/) });
    expect(done.history.map((e: { status: string }) => e.status)).toEqual([
      'awaiting_confirmation',
      'awaiting_approval',
      'queued',
      'broadcast',
      'succeeded',
    ]);
    const balances = (await stack.api.get('/v1/balances', { token: user.token })).body.data.find(
      (b: { currency: string }) => b.currency === 'XRP',
    );
    expect(balances).toMatchObject({ posted: '79.900000', pending: '0.000000' });
    const payment = await stack.api.get(`/api/transactions/${done.tx_hash}`, { token: stack.admin.token });
    expect(payment.body).toMatchObject({ source: hotWallet.classicAddress, destination, destination_tag: '7' });
    expect(await mailTo(stack, 'xrp-payout@example.com', /was sent/)).toBeTruthy();
    const notices = await stack.api.get('/v1/notifications?kind=withdrawal_succeeded', { token: user.token });
    expect(notices.body.data[0].body).toMatchObject({
      withdrawal_id: id,
      currency: 'XRP',
      amount: '20.000000',
      tx_hash: done.tx_hash,
    });
    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(audit.body).toMatchObject({ ok: true, drifts: [] });
  });

  it('refuses a withdrawal to our own addresses that would credit nobody: our deposit address without a tag or with a tag nobody holds, our hot wallet', async () => {
    const user = await stack.api.signUp('xrp-pays-nobody@example.com');
    await fund(stack, user.id, 'XRP', '100');
    const request = (address: string, destinationTag: number | undefined, key: string) =>
      stack.api.post(
        '/v1/withdrawals',
        { currency: 'XRP', amount: '10', address, destination_tag: destinationTag },
        { token: user.token, headers: { 'idempotency-key': key } },
      );
    for (const [tag, key] of [
      [undefined, 'no-tag'],
      [12, 'nobodys-tag'],
    ] as const) {
      const refused = await request(stack.depositAddress, tag, key);
      expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'destination_tag' })]);
    }
    // a payment from the hot wallet to itself, which the XRP Ledger refuses (temREDUNDANT), tag or none
    for (const [tag, key] of [
      [undefined, 'hot-wallet'],
      [7, 'hot-wallet-tagged'],
    ] as const) {
      const refused = await request(hotWallet.classicAddress, tag, key);
      expect([refused.status, refused.body.code]).toEqual([400, 'invalid_address']);
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'address' })]);
    }
    const balance = (await stack.api.get('/v1/balances', { token: user.token })).body.data.find(
      (b: { currency: string }) => b.currency === 'XRP',
    );
    expect(balance).toMatchObject({ posted: '100.000000', pending: '0.000000' });
    expect((await stack.api.get('/v1/withdrawals', { token: user.token })).body.data).toEqual([]);
  });

  it("credits a payout to our deposit address with a user's tag to that user, exactly once", async () => {
    const payee = await stack.api.signUp('xrp-paid-by-a-user@example.com');
    const deposit = await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: payee.token });
    expect(deposit.body.address).toBe(stack.depositAddress);
    const payer = await requestAndConfirm(
      'xrp-pays-a-user@example.com',
      stack.depositAddress,
      '12',
      Number(deposit.body.destination_tag),
    );
    await waitStatus(payer.user.token, payer.id, 'succeeded');
    const xrpOf = async (token: string) =>
      (await stack.api.get('/v1/balances', { token })).body.data.find((b: { currency: string }) => b.currency === 'XRP');
    const depositsOf = async (token: string) => (await stack.api.get('/v1/deposits?currency=XRP', { token })).body.data;
    await expect
      .poll(() => depositsOf(payee.token), { timeout: 30_000 })
      .toEqual([expect.objectContaining({ amount: '12.000000', status: 'credited' })]);
    expect(await xrpOf(payer.user.token)).toMatchObject({ posted: '87.900000', pending: '0.000000' });

    // the withdrawing user's own tag: the payout comes back to them as their deposit
    const self = await stack.api.signUp('xrp-pays-itself@example.com');
    await fund(stack, self.id, 'XRP', '100');
    const ownTag = Number(
      (await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: self.token })).body.destination_tag,
    );
    const created = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'XRP', amount: '5', address: stack.depositAddress, destination_tag: ownTag },
      { token: self.token, headers: { 'idempotency-key': 'to-myself' } },
    );
    expect(created.status).toBe(202);
    const code = /\b(\d{6})\b/.exec((await mailTo(stack, 'xrp-pays-itself@example.com', /withdrawal code/)).subject)![1];
    await stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, { code }, { token: self.token });
    await waitStatus(self.token, created.body.id, 'awaiting_approval');
    await stack.api.post(`/v1/ops/withdrawals/${created.body.id}/approve`, undefined, { token: stack.admin.token });
    await waitStatus(self.token, created.body.id, 'succeeded');
    await expect
      .poll(() => depositsOf(self.token), { timeout: 30_000 })
      .toEqual([expect.objectContaining({ amount: '5.000000', status: 'credited' })]);

    // the deposit address's history read again (a backfill sees both payouts once more): nothing is credited twice
    const resync = await stack.api.post(`/api/accounts/${stack.depositAddress}/resync`, undefined, {
      token: stack.admin.token,
    });
    expect(resync.status).toBe(202);
    await expect
      .poll(
        async () => (await stack.api.get(`/api/accounts/${stack.depositAddress}`, { token: stack.admin.token })).body.backfill,
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toMatchObject({ state: 'done', mode: 'full', payments: 2, inserted: 0 });
    expect(await depositsOf(payee.token)).toHaveLength(1);
    expect(await xrpOf(payee.token)).toMatchObject({ posted: '12.000000' });
    expect(await xrpOf(self.token)).toMatchObject({ posted: '99.900000', pending: '0.000000' });
    expect(stack.rippled.balanceOf(stack.depositAddress)).toBe(17n * XRP);
    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(audit.body).toMatchObject({ ok: true, drifts: [] });
  });

  it('leaves exactly one payment on the ledger when the worker is killed right after the broadcast', async () => {
    const destination = randomAddress();
    stack.pauseClosing(); // hold the ledger still, so the payout is broadcast but not yet validated when the worker dies
    const { user, id } = await requestAndConfirm('xrp-crash@example.com', destination, '30');
    await waitStatus(user.token, id, 'broadcast');
    await stack.killWorker('SIGKILL');
    stack.rippled.closeLedger();
    stack.rippled.closeLedger();
    await stack.startWorker();
    stack.resumeClosing();
    await waitStatus(user.token, id, 'succeeded');
    expect(stack.rippled.balanceOf(destination)).toBe(30n * XRP);
    const payments = await stack.api.get(`/api/transactions?account=${destination}`, { token: stack.admin.token });
    expect(payments.body.data).toHaveLength(1);
  });
});
