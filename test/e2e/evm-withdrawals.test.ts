/**
 * ETH and USDT withdrawals end to end on anvil, through the real API, worker, EVM listener and SMTP sink: the code
 * from the mail, the operator's approval, the payout arriving on chain, the ledger posted with the fee; failover to
 * the second hot wallet; a reverted payout never counted as paid (an operator's close as succeeded needs a transaction
 * the chain shows one of our hot wallets paying the withdrawal); a payout to another user's deposit address credited to them; a worker killed
 * right after the broadcast leaves exactly one on-chain transaction; one to our own wallets is refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Contract, Wallet, parseEther, parseUnits } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { deployUsdt, evmStackEnv, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { fund, mailTo, startStack, type Stack } from '../support/stack.js';
import { putWithdrawalSettings } from '../support/withdrawal-settings.js';

const provider = testProvider(inject('evmRpcUrl'));
const ERC20 = [
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 value) returns (bool)',
];
// hot wallet A holds ETH only; B holds ETH and USDT: a USDT payout fails over from A to B
const hotA = Wallet.createRandom();
const hotB = Wallet.createRandom();
const gasKeeper = Wallet.createRandom();
const coldWallet = Wallet.createRandom().address;
let stack: Stack;
let usdt: Contract;

beforeAll(async () => {
  const owner = await fundedWallet(provider);
  const usdtAddress = await deployUsdt(provider, owner);
  usdt = new Contract(usdtAddress, ERC20, owner);
  await Promise.all([setBalance(provider, hotA.address, parseEther('10')), setBalance(provider, hotB.address, parseEther('10'))]);
  await (await usdt.getFunction('transfer')(hotB.address, parseUnits('5000', 6))).wait();
  await setBalance(provider, gasKeeper.address, parseEther('10'));
  stack = await startStack({
    mailSink: true,
    evmListener: true,
    env: {
      ...evmStackEnv({ usdt: usdtAddress, gasKeeperKey: gasKeeper.privateKey, coldWallet }),
      EVM_HOT_WALLET_KEYS: `evm-hot-a=${hotA.privateKey},evm-hot-b=${hotB.privateKey}`,
      // the listener's signal must finish the withdrawals: polling is far out
      WITHDRAWAL_POLL_INTERVAL: '10m',
    },
  });
  await putWithdrawalSettings(stack, 'ETH', { fee_fixed: '0.001', confirmations: 2 });
  await putWithdrawalSettings(stack, 'USDT', { fee_fixed: '1', confirmations: 2 });
});
afterAll(() => stack?.stop());

const statusOf = async (token: string, id: string) => (await stack.api.get(`/v1/withdrawals/${id}`, { token })).body;
const waitStatus = (token: string, id: string, status: string) =>
  expect.poll(async () => (await statusOf(token, id)).status, { timeout: 90_000, interval: 250 }).toBe(status);
const balanceIn = async (token: string, currency: string) =>
  (await stack.api.get('/v1/balances', { token })).body.data.find((b: { currency: string }) => b.currency === currency);

async function withdrawAndApprove(user: { token: string; email: string }, body: object, key: string) {
  const headers = { 'idempotency-key': key };
  const created = await stack.api.post('/v1/withdrawals', body, { token: user.token, headers });
  expect(created.status).toBe(202);
  const repeated = await stack.api.post('/v1/withdrawals', body, { token: user.token, headers });
  expect(repeated.body.id).toBe(created.body.id);
  const mail = await mailTo(stack, user.email, /withdrawal code/, created.body.id);
  const code = /\b(\d{6})\b/.exec(mail.subject)![1];
  expect((await stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, { code }, { token: user.token })).body).toEqual({
    confirmed: true,
  });
  await waitStatus(user.token, created.body.id, 'awaiting_approval');
  expect(
    (await stack.api.post(`/v1/ops/withdrawals/${created.body.id}/approve`, undefined, { token: stack.admin.token })).body,
  ).toEqual({ status: 'queued' });
  return created.body.id as string;
}

describe('EVM withdrawals end to end', () => {
  it('pays ETH from the first hot wallet and USDT from the second after the first refuses', async () => {
    const user = await stack.api.signUp('evm-withdraw@example.com');
    await fund(stack, user.id, 'ETH', '2');
    await fund(stack, user.id, 'USDT', '500');
    const destination = Wallet.createRandom().address;

    const ethId = await withdrawAndApprove(
      { ...user, email: 'evm-withdraw@example.com' },
      { currency: 'ETH', amount: '0.75', address: destination },
      'eth-1',
    );
    await waitStatus(user.token, ethId, 'succeeded');
    expect(await provider.getBalance(destination)).toBe(parseEther('0.75'));
    const eth = await statusOf(user.token, ethId);
    expect(eth).toMatchObject({ provider: 'evm-hot-a', fee: '0.001000000000000000' });
    expect(eth.history.map((e: { status: string }) => e.status)).toEqual([
      'awaiting_confirmation',
      'awaiting_approval',
      'queued',
      'broadcast',
      'succeeded',
    ]);
    expect(await balanceIn(user.token, 'ETH')).toMatchObject({ posted: '1.249000000000000000', pending: '0.000000000000000000' });

    const usdtId = await withdrawAndApprove(
      { ...user, email: 'evm-withdraw@example.com' },
      { currency: 'USDT', amount: '120.5', address: destination },
      'usdt-1',
    );
    await waitStatus(user.token, usdtId, 'succeeded');
    expect(await usdt.getFunction('balanceOf')(destination)).toBe(parseUnits('120.5', 6));
    const paid = await statusOf(user.token, usdtId);
    expect(paid.provider).toBe('evm-hot-b');
    const state = await stack.temporal.workflow.getHandle(`withdrawal:${usdtId}`).query('withdrawalState');
    expect((state as { failures: Array<{ providerId: string }> }).failures.map((f) => f.providerId)).toEqual(['evm-hot-a']);
    expect(await balanceIn(user.token, 'USDT')).toMatchObject({ posted: '378.500000', pending: '0.000000' });

    const fees = await stack.db.sql`
      select a.currency, a.credits_posted - a.debits_posted as balance from ledger_accounts a where a.name in ('fees:ETH', 'fees:USDT') order by 1`;
    expect(fees.map((f) => [f.currency, f.balance])).toEqual([
      ['ETH', 10n ** 15n],
      ['USDT', 1_000_000n],
    ]);
    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(audit.body).toMatchObject({ ok: true, drifts: [] });
  });

  it('refuses a withdrawal to one of our own wallets (hot, cold, gas keeper), naming the address and holding nothing', async () => {
    const user = await stack.api.signUp('evm-pays-ourselves@example.com');
    await fund(stack, user.id, 'ETH', '1');
    // the paying hot wallet (a payment to itself), the other one, the cold wallet and the gas keeper, in either case
    const ours = [hotA.address, hotB.address.toLowerCase(), coldWallet, gasKeeper.address.toLowerCase()];
    for (const [i, address] of ours.entries()) {
      const refused = await stack.api.post(
        '/v1/withdrawals',
        { currency: i % 2 === 0 ? 'ETH' : 'USDT', amount: '0.1', address },
        { token: user.token, headers: { 'idempotency-key': `ours-${i}` } },
      );
      expect([refused.status, refused.body.code, refused.body.errors]).toEqual([
        400,
        'invalid_address',
        [expect.objectContaining({ path: 'address' })],
      ]);
    }
    expect(await balanceIn(user.token, 'ETH')).toMatchObject({ posted: '1.000000000000000000', pending: '0.000000000000000000' });
    expect((await stack.api.get('/v1/withdrawals', { token: user.token })).body.data).toEqual([]);
  });

  it('never counts a reverted payout as paid: a close as succeeded must cite a transaction paying the withdrawal', async () => {
    // a contract that refuses every payment: a payout to it (21,000 gas, none left for its code) reverts
    const refuser = Wallet.createRandom().address;
    await provider.send('anvil_setCode', [refuser, '0x60006000fd']);
    const requestReverted = async (email: string) => {
      const user = await stack.api.signUp(email);
      await fund(stack, user.id, 'ETH', '1');
      const id = await withdrawAndApprove({ ...user, email }, { currency: 'ETH', amount: '0.01', address: refuser }, email);
      await waitStatus(user.token, id, 'failed_awaiting_operator');
      return { user, id, payout: (await statusOf(user.token, id)).tx_hash as string };
    };
    const first = await requestReverted('evm-reverted@example.com');
    const second = await requestReverted('evm-reverted-2@example.com');
    expect((await statusOf(first.user.token, first.id)).history.at(-1)).toMatchObject({
      detail: { reason: `the payout transaction ${first.payout} reverted`, txHash: first.payout },
    });
    const close = (id: string, body: object) =>
      stack.api.post(`/v1/ops/withdrawals/${id}/close`, body, { token: stack.admin.token });
    const refusal = async (id: string, body: object) => {
      const answer = await close(id, { note: 'paid, says the hot wallet', ...body });
      expect(answer.body).toMatchObject({ status: 422, code: 'payout_unproven', errors: [{ path: 'tx_hash' }] });
      return answer.body.errors[0].message as string;
    };

    // the reverted payout, cited or taken as the withdrawal's own; a hash no block holds; a payment of another amount
    expect(await refusal(first.id, { outcome: 'succeeded', tx_hash: first.payout })).toBe(
      `${first.payout} reverted: it paid nothing`,
    );
    expect(await refusal(first.id, { outcome: 'succeeded' })).toBe(`${first.payout} reverted: it paid nothing`);
    expect(await refusal(first.id, { outcome: 'succeeded', tx_hash: `0x${'ab'.repeat(32)}` })).toMatch(/is not in a block/);
    expect(await refusal(first.id, { outcome: 'succeeded', tx_hash: 'not-a-hash' })).toMatch(/is not an EVM transaction hash/);
    await provider.send('anvil_setCode', [refuser, '0x']);
    const payer = await fundedWallet(provider, '1');
    const tooMuch = (await (await payer.sendTransaction({ to: refuser, value: parseEther('0.02') })).wait())!.hash;
    expect(await refusal(first.id, { outcome: 'succeeded', tx_hash: tooMuch })).toMatch(/does not pay the withdrawal's amount/);
    // the right amount to the right address, paid by a wallet that is not ours: hot custody did not pay it
    const notOurs = (await (await payer.sendTransaction({ to: refuser, value: parseEther('0.01') })).wait())!.hash;
    expect(await refusal(second.id, { outcome: 'succeeded', tx_hash: notOurs })).toBe(
      `${notOurs} was sent by ${(await payer.getAddress()).toLowerCase()}, not by one of our hot wallets`,
    );
    expect(await balanceIn(first.user.token, 'ETH')).toMatchObject({ pending: '0.011000000000000000' });

    // an operator pays the second by hand from a hot wallet and closes it as succeeded citing that payment, which then
    // proves no other
    const fromHotA = hotA.connect(provider);
    const byHand = (await (await fromHotA.sendTransaction({ to: refuser, value: parseEther('0.01') })).wait())!.hash;
    expect((await close(second.id, { outcome: 'succeeded', tx_hash: byHand, note: 'paid by hand' })).body).toEqual({
      status: 'closed',
    });
    await waitStatus(second.user.token, second.id, 'closed');
    expect(await balanceIn(second.user.token, 'ETH')).toMatchObject({
      posted: '0.989000000000000000',
      pending: '0.000000000000000000',
    });
    expect(await refusal(first.id, { outcome: 'succeeded', tx_hash: byHand })).toBe(
      `${byHand} is recorded for withdrawal ${second.id}`,
    );

    // closing the first as failed still works: the held funds come back
    expect((await close(first.id, { outcome: 'failed', note: 'reverted on chain' })).body).toEqual({ status: 'closed' });
    await waitStatus(first.user.token, first.id, 'closed');
    expect(await balanceIn(first.user.token, 'ETH')).toMatchObject({
      posted: '1.000000000000000000',
      pending: '0.000000000000000000',
    });
  });

  it(
    "credits a payout to another user's deposit address to that user as a deposit, then sweeps it",
    { timeout: 180_000 },
    async () => {
      const payer = await stack.api.signUp('evm-pays-a-user@example.com');
      const payee = await stack.api.signUp('evm-paid-by-a-user@example.com');
      await fund(stack, payer.id, 'USDT', '10');
      const address = (await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: payee.token })).body.address;

      const id = await withdrawAndApprove(
        { ...payer, email: 'evm-pays-a-user@example.com' },
        { currency: 'USDT', amount: '2', address },
        'to-a-user-1',
      );
      await waitStatus(payer.token, id, 'succeeded');
      expect(await balanceIn(payer.token, 'USDT')).toMatchObject({ posted: '7.000000', pending: '0.000000' });
      // the payee's deposit goes the way of any deposit: confirmations, credit, sweep
      await expect
        .poll(async () => (await stack.api.get('/v1/deposits', { token: payee.token })).body.data, { timeout: 90_000 })
        .toEqual([expect.objectContaining({ currency: 'USDT', amount: '2.000000', status: 'credited' })]);
      expect(await balanceIn(payee.token, 'USDT')).toMatchObject({ posted: '2.000000' });
      await expect.poll(async () => usdt.getFunction('balanceOf')(address), { timeout: 120_000, interval: 500 }).toBe(0n);
      const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
      expect(audit.body).toMatchObject({ ok: true, drifts: [] });
    },
  );

  it('leaves exactly one on-chain transaction when the worker is killed right after the broadcast', async () => {
    const user = await stack.api.signUp('evm-crash@example.com');
    await fund(stack, user.id, 'ETH', '1');
    const destination = Wallet.createRandom().address;
    const id = await withdrawAndApprove(
      { ...user, email: 'evm-crash@example.com' },
      { currency: 'ETH', amount: '0.3', address: destination },
      'crash-1',
    );
    await waitStatus(user.token, id, 'broadcast');
    await stack.killWorker('SIGKILL');
    await stack.startWorker();
    await waitStatus(user.token, id, 'succeeded');
    expect(await provider.getBalance(destination)).toBe(parseEther('0.3'));
    const sends = await stack.db.sql`select count(*)::int as sends from evm_sends where key = ${`withdrawal:${id}`}`;
    expect(sends[0]!.sends).toBe(1);
    const nonceBefore = await provider.getTransactionCount(hotA.address);
    // nothing further goes out for it once it succeeded
    await sleep(3_000);
    expect(await provider.getTransactionCount(hotA.address)).toBe(nonceBefore);
  });
});
