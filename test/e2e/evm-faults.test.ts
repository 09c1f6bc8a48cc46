/**
 * Faults in the middle of EVM collection, on the real stack and the shared anvil: the worker killed between the gas
 * funding and the sweep, the listener killed while it catches up. After restarts nothing is lost or done twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Contract, Wallet, parseEther, parseUnits, type JsonRpcProvider, type NonceManager } from 'ethers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { balanceOf } from '../../services/ledger/queries.js';
import { deployUsdt, eventually, evmStackEnv, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { startStack, type Stack } from '../support/stack.js';

const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];

let provider: JsonRpcProvider;
let customer: NonceManager;
let usdt: Contract;
let cold: string;
let stack: Stack;

beforeAll(async () => {
  provider = testProvider(inject('evmRpcUrl'));
  customer = await fundedWallet(provider, '1000');
  const usdtAddress = await deployUsdt(provider, customer);
  usdt = new Contract(usdtAddress, ERC20, customer);
  const gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('10'));
  cold = Wallet.createRandom().address;
  stack = await startStack({
    env: {
      ...evmStackEnv({ usdt: usdtAddress, gasKeeperKey: gasKeeper.privateKey, coldWallet: cold }),
      EVM_BLOCK_RANGE: '2',
      EVM_REORG_DEPTH: '8',
    },
    evmListener: true,
  });
});
afterAll(async () => {
  await stack?.stop();
  provider?.destroy();
});

async function depositAddress(name: string): Promise<{ token: string; address: string }> {
  const user = await stack.api.signUp(`${name}@example.com`);
  const response = await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token });
  return { token: user.token, address: response.body.address.toLowerCase() };
}

const sendsFrom = (address: string, purpose: string) =>
  stack.db.sql`select s.id, s.status, (select count(*)::int from evm_send_attempts a where a.send_id = s.id) as attempts
               from evm_sends s where s.purpose = ${purpose} and ${purpose === 'gas-funding' ? stack.db.sql`s.to_address` : stack.db.sql`s.from_address`} = ${address}`;

describe('EVM collection under faults', () => {
  it(
    'resumes a token sweep after the worker is killed between the gas funding and the sweep, sending it once',
    { timeout: 120_000 },
    async () => {
      const { token, address } = await depositAddress('killed-worker');
      await (await usdt.getFunction('transfer')(address, parseUnits('60', 6))).wait();

      await eventually('the gas funding sent', async () => (await sendsFrom(address, 'gas-funding')).length === 1, 60_000, 25);
      await stack.killWorker();
      expect(await sendsFrom(address, 'sweep')).toHaveLength(0);
      // the funding confirms while no worker runs; the listener's signal waits in Temporal
      await sleep(3_000);
      await stack.startWorker();

      await eventually(
        'the sweep confirmed',
        async () => {
          const [sweep] = await stack.db.sql`select status from evm_sweeps where address = ${address}`;
          return sweep?.status === 'confirmed';
        },
        90_000,
      );
      const sweeps = await sendsFrom(address, 'sweep');
      expect(sweeps).toEqual([expect.objectContaining({ status: 'confirmed', attempts: 1 })]);
      expect(await sendsFrom(address, 'gas-funding')).toEqual([expect.objectContaining({ status: 'confirmed', attempts: 1 })]);
      expect(await provider.getTransactionCount(address)).toBe(1);
      expect(await usdt.getFunction('balanceOf')(cold)).toBe(parseUnits('60', 6));
      const balances = (await stack.api.get('/v1/balances', { token })).body.data;
      expect(balances.find((b: { currency: string }) => b.currency === 'USDT')).toMatchObject({ posted: '60.000000' });
    },
  );

  it(
    'loses no deposit and credits none twice when the listener is killed while it catches up',
    { timeout: 180_000 },
    async () => {
      const users = await Promise.all(['catch-up-a', 'catch-up-b', 'catch-up-c'].map(depositAddress));
      await stack.killListener();
      const before = (await stack.db.sql`select block_number from evm_listener_checkpoints`)[0]!.blockNumber as string;
      for (let i = 0; i < 6; i++)
        await (await customer.sendTransaction({ to: users[i % 3]!.address, value: parseEther('0.1') })).wait();
      await sleep(2_000);
      const head = await provider.getBlockNumber();

      await stack.startListener();
      await eventually(
        'the listener part way through',
        async () => {
          const [row] = await stack.db.sql`select block_number from evm_listener_checkpoints`;
          return BigInt(row!.blockNumber as string) > BigInt(before);
        },
        30_000,
        10,
      );
      await stack.killListener();
      const [stoppedAt] = await stack.db.sql`select block_number from evm_listener_checkpoints`;
      expect(BigInt(stoppedAt!.blockNumber as string)).toBeLessThan(BigInt(head) + 5n);
      await stack.startListener();

      await eventually(
        'six deposits credited',
        async () => {
          const [row] = await stack.db
            .sql`select count(*)::int as n from deposits where status = 'credited' and address = any(${stack.db.sql.array(users.map((u) => u.address))}::text[])`;
          return row!.n === 6;
        },
        120_000,
      );
      const [all] = await stack.db
        .sql`select count(*)::int as n from deposits where address = any(${stack.db.sql.array(users.map((u) => u.address))}::text[])`;
      expect(all!.n).toBe(6);
      for (const user of users) {
        const balances = (await stack.api.get('/v1/balances', { token: user.token })).body.data;
        expect(balances.find((b: { currency: string }) => b.currency === 'ETH')).toMatchObject({
          posted: '0.200000000000000000',
        });
      }
      await eventually(
        'every deposit collected by a confirmed sweep',
        async () => {
          const [row] = await stack.db.sql`
        select count(*)::int as n from evm_deposit_observations o join deposits d on d.id = o.deposit_id
        join evm_sweeps s on s.id = o.collected_by
        where s.status = 'confirmed' and d.address = any(${stack.db.sql.array(users.map((u) => u.address))}::text[])`;
          return row!.n === 6;
        },
        90_000,
      );
      for (const user of users) expect(await provider.getTransactionCount(user.address)).toBeLessThanOrEqual(2);
      const hot = await balanceOf(stack.db.sql, 'custody:hot:evm-31337', 'ETH');
      let onChain = 0n;
      for (const user of users) onChain += await provider.getBalance(user.address);
      const [previous] = await stack.db
        .sql`select coalesce(sum(amount), 0) as total from deposits where currency = 'ETH' and address <> all(${stack.db.sql.array(users.map((u) => u.address))}::text[])`;
      expect(previous!.total).toBe(0n);
      expect(hot.debitsPosted - hot.creditsPosted - (await leftoverOfOtherWallets(users.map((u) => u.address)))).toBe(onChain);
    },
  );
});

/** ETH other wallets of this stack still hold (gas left after token sweeps), which hot custody also counts. */
async function leftoverOfOtherWallets(excluded: string[]): Promise<bigint> {
  const rows = await stack.db
    .sql`select address from evm_deposit_addresses where address <> all(${stack.db.sql.array(excluded)}::text[])`;
  let total = 0n;
  for (const r of rows) total += await provider.getBalance(r.address as string);
  return total;
}
