/**
 * Deposit settings on the real stack (API, worker, EVM listener, anvil): a deposit below the minimum is kept and
 * shown, then credited with the next one that brings its address to the minimum, less the fee; address issuance off.
 */
import { Contract, Wallet, parseEther, parseUnits, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { deployUsdt, eventually, evmStackEnv, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { startStack, type Stack } from '../support/stack.js';

let provider: JsonRpcProvider;
let usdt: Contract;
let stack: Stack;

beforeAll(async () => {
  provider = testProvider(inject('evmRpcUrl'));
  const customer = await fundedWallet(provider, '100');
  const usdtAddress = await deployUsdt(provider, customer);
  usdt = new Contract(usdtAddress, ['function transfer(address to, uint256 value) returns (bool)'], customer);
  const gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('50'));
  stack = await startStack({
    env: evmStackEnv({ usdt: usdtAddress, gasKeeperKey: gasKeeper.privateKey, coldWallet: Wallet.createRandom().address }),
    evmListener: true,
  });
});
afterAll(async () => {
  await stack?.stop();
  provider?.destroy();
});

type DepositView = {
  id: string;
  amount: string;
  status: string;
  hold_reason: string | null;
  fee: string | null;
  confirmations: number | null;
};
const depositsOf = async (token: string) => (await stack.api.get('/v1/deposits', { token })).body.data as DepositView[];
const usdtBalance = async (token: string) =>
  (await stack.api.get('/v1/balances', { token })).body.data.find((b: { currency: string }) => b.currency === 'USDT')?.posted ??
  '0.000000';

describe('deposit settings', () => {
  it('keeps a deposit under the minimum and credits it once the address has received enough', { timeout: 120_000 }, async () => {
    const admin = { token: stack.admin.token };
    const settings = await stack.api.put(
      '/v1/ops/settings/deposits/USDT/default',
      { values: { min_amount: '10', fee_fixed: '1', provider_cost_fixed: '0.25' } },
      admin,
    );
    expect(settings.status).toBe(200);
    const user = await stack.api.signUp('small-depositor@example.com');
    const address = (await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: user.token })).body.address;

    await (await usdt.getFunction('transfer')(address, parseUnits('4', 6))).wait();
    const held = await eventually('the small deposit held', async () =>
      (await depositsOf(user.token)).find((d) => d.status === 'held'),
    );
    expect(held).toMatchObject({ amount: '4.000000', hold_reason: 'below_minimum', fee: null });
    expect(await usdtBalance(user.token)).toBe('0.000000');

    await (await usdt.getFunction('transfer')(address, parseUnits('7', 6))).wait();
    const both = await eventually('both deposits credited', async () => {
      const deposits = await depositsOf(user.token);
      return deposits.length === 2 && deposits.every((d) => d.status === 'credited') && deposits;
    });
    expect(both.map((d) => [d.amount, d.fee])).toEqual([
      ['7.000000', '1.000000'], // newest first: its fee is on the total of 11
      ['4.000000', '0.000000'],
    ]);
    expect(await usdtBalance(user.token)).toBe('10.000000');
    const [row] = await stack.db.sql`select provider_cost, credited_with from deposits where id = ${held.id}`;
    expect(row).toEqual({ providerCost: 250_000n, creditedWith: both[0]!.id }); // bigint columns come back as text
  });

  it('holds a deposit above the maximum for an operator, who credits it', { timeout: 120_000 }, async () => {
    const admin = { token: stack.admin.token };
    const user = await stack.api.signUp('big-depositor@example.com');
    const limit = await stack.api.put(`/v1/ops/settings/deposits/USDT/user/${user.id}`, { values: { max_amount: '20' } }, admin);
    expect(limit.status).toBe(200);
    const address = (await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: user.token })).body.address;
    await (await usdt.getFunction('transfer')(address, parseUnits('25', 6))).wait();
    const held = await eventually('the big deposit held', async () =>
      (await depositsOf(user.token)).find((d) => d.status === 'held'),
    );
    expect(held).toMatchObject({ amount: '25.000000', hold_reason: 'above_maximum' });
    expect((await stack.api.post(`/v1/ops/deposits/${held.id}/credit`, undefined, { token: user.token })).status).toBe(403);
    const credited = await stack.api.post(`/v1/ops/deposits/${held.id}/credit`, undefined, admin);
    expect(credited.body).toEqual({ id: held.id, status: 'credited', fee: '1.000000' });
    expect((await stack.api.post(`/v1/ops/deposits/${held.id}/credit`, undefined, admin)).status).toBe(409);
    expect(await usdtBalance(user.token)).toBe('24.000000');
  });

  it('stops handing out addresses when an operator turns them off', async () => {
    const user = await stack.api.signUp('no-address@example.com');
    const off = await stack.api.put(
      '/v1/ops/settings/deposits/ETH/default',
      { values: { addresses_enabled: false } },
      { token: stack.admin.token },
    );
    expect(off.status).toBe(200);
    const refused = await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: 'currency', message: 'addresses are disabled' }]);
  });
});
