/**
 * Early gas funding on an anvil of this file's own (it reorganises its chain): the gas keeper funds a token deposit's
 * wallet while the deposit confirms, the sweep claims that funding and needs none of its own, and the funding is booked
 * once; a deposit dropped by a reorg after its wallet was funded is never credited or swept, its funding is booked on
 * its own by the reconciliation, and the wallet's next deposit is swept with that gas.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Contract, Wallet, parseEther, parseUnits, type JsonRpcProvider, type NonceManager } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf } from '../../services/ledger/queries.js';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { deployUsdt, eventually, evmStackEnv, fundedWallet, testProvider } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';
import { startStack, type Stack } from '../support/stack.js';

const CHAIN = 'evm-31337';
const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];

let anvil: AnvilChain;
let provider: JsonRpcProvider;
let customer: NonceManager;
let usdt: Contract;
const gasKeeper = Wallet.createRandom();
let stack: Stack;

beforeAll(async () => {
  // no block time: a block is mined when a transaction arrives (the keeper's funding too) or the test mines one
  anvil = await startOwnAnvil('anvil-early-funding');
  provider = testProvider(anvil.rpcUrl);
  customer = await fundedWallet(provider, '100');
  const usdtAddress = await deployUsdt(provider, customer);
  usdt = new Contract(usdtAddress, ERC20, customer);
  stack = await startStack({
    env: {
      ...evmStackEnv({
        usdt: usdtAddress,
        gasKeeperKey: gasKeeper.privateKey,
        coldWallet: Wallet.createRandom().address,
        confirmations: 3,
      }),
      EVM_RPC_URL: anvil.rpcUrl,
      EVM_WS_URL: anvil.wsUrl,
      EVM_REORG_DEPTH: '6',
      EVM_POLL_INTERVAL_MS: '300',
    },
    evmListener: true,
  });
  // topped up from outside once the listener follows the chain: booked, so the keeper's books match its wallet
  await (await customer.sendTransaction({ to: gasKeeper.address, value: parseEther('10') })).wait();
});
afterAll(async () => {
  await stack?.stop();
  provider?.destroy();
  await anvil?.stop();
});

const ops = () => ({ token: stack.admin.token });
const mine = async (blocks: number) => {
  for (let i = 0; i < blocks; i++) await provider.send('evm_mine', []);
};
const tokenBalance = async (address: string) => (await usdt.getFunction('balanceOf')(address)) as bigint;

/** Our gas fundings sent to the wallet (the keeper's early ones have keys `gas:<chain>:<wallet>:<deposit>`). */
const fundingsTo = (address: string) =>
  stack.db.sql`
    select s.key, s.status, s.nonce, a.raw from evm_sends s join evm_send_attempts a on a.send_id = s.id and a.attempt = 1
    where s.purpose = 'gas-funding' and s.to_address = ${address.toLowerCase()} order by s.id`;

const sweepsOf = (address: string) => stack.db.sql`select * from evm_sweeps where address = ${address.toLowerCase()} order by id`;

/** Mines a block per look (a sweep needs its confirmations) until `probe` answers. */
const mining = <T>(what: string, probe: () => Promise<T | undefined | false>) =>
  eventually(
    what,
    async () => {
      await mine(1);
      return probe();
    },
    90_000,
    500,
  );

const bookedKeys = async (key: string) =>
  (await stack.db.sql`select key from ledger_transfers where key = ${key} or key = ${`${key}-gas`} order by key`).map(
    (r) => r.key as string,
  );

async function reconcile() {
  const head = await provider.getBlockNumber();
  await eventually('the listener at the head', async () => {
    const [row] = await stack.db.sql`select block_number from evm_listener_checkpoints`;
    return row && Number(row.blockNumber) >= head;
  });
  const started = await stack.api.post('/v1/ops/reconciliations', undefined, ops());
  expect(started.status).toBe(202);
  return eventually('the reconciliation done', async () => {
    const result = await stack.api.get(`/v1/ops/reconciliations/${started.body.id}`, ops());
    return result.body.state === 'done' && result.body;
  });
}

/** A reconciliation's lines that are not clean (none, when the books match the chain). */
async function reconciled() {
  const result = await reconcile();
  const unclean = result.accounts.filter((l: { unexplained: string; alert: boolean }) => Number(l.unexplained) !== 0 || l.alert);
  return result.ok ? unclean : [...unclean, { ok: result.ok }];
}

async function depositor(email: string) {
  const user = await stack.api.signUp(email);
  const address = (await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: user.token })).body.address;
  return { user, address: address as string };
}

/** The wallet's one gas funding, once the listener has seen it mined. */
async function earlyFundingMined(address: string) {
  const [funding] = await eventually('the early funding mined', async () => {
    const rows = await fundingsTo(address);
    return rows.length > 0 && rows[0]!.status !== 'pending' && rows;
  });
  return funding!;
}

const hotEth = async () => {
  const b = await balanceOf(stack.db.sql, `custody:hot:${CHAIN}`, 'ETH');
  return b.debitsPosted - b.creditsPosted;
};

describe('early gas funding', () => {
  it(
    "funds a confirming token deposit's wallet once, and its sweep uses that funding with none of its own",
    { timeout: 180_000 },
    async () => {
      const { user, address } = await depositor('early-funded@example.com');
      await (await usdt.getFunction('transfer')(address, parseUnits('120', 6))).wait();

      // funded (and, on this chain, mined at once) while the deposit still waits for its confirmations
      const funding = await earlyFundingMined(address);
      expect(funding.key).toMatch(new RegExp(`^gas:${CHAIN}:${address.toLowerCase()}:\\d+$`));
      const [deposit] = (await stack.api.get('/v1/deposits', { token: user.token })).body.data;
      expect(deposit).toMatchObject({ status: 'pending' });

      // the keeper's ticks run again (as a retried tick would): the wallet is not funded twice
      const keeper = stack.temporal.workflow.getHandle(`gas-keeper:${CHAIN}`);
      for (let i = 0; i < 3; i++) {
        await keeper.signal('gasFundingWanted');
        await sleep(1_000);
      }
      expect(await fundingsTo(address)).toHaveLength(1);

      const sweep = await mining('the sweep confirmed', async () => {
        const [s] = await sweepsOf(address);
        return s?.status === 'confirmed' && s;
      });
      expect(sweep).toMatchObject({ earlyFundingKey: funding.key, fundingSendId: null, fundingAmount: 0n });
      expect(await fundingsTo(address)).toHaveLength(1);
      expect(await tokenBalance(address)).toBe(0n);
      // the sweep booked the funding it claimed with itself; the reconciliation finds nothing more to book
      expect(await bookedKeys(funding.key)).toEqual([funding.key, `${funding.key}-gas`]);
      expect(await reconciled()).toEqual([]);
      expect(await bookedKeys(funding.key)).toHaveLength(2);
      expect(await hotEth()).toBe(await provider.getBalance(address));
      // the keeper sent this one funding and nothing else
      expect(await provider.getTransactionCount(gasKeeper.address)).toBe(1);
    },
  );

  it(
    "books the early funding of a deposit dropped by a reorg once, and sweeps the wallet's next deposit with its gas",
    { timeout: 180_000 },
    async () => {
      const { user, address } = await depositor('early-dropped@example.com');
      const keeperNonce = await provider.getTransactionCount(gasKeeper.address);
      const dropped = await usdt.getFunction('transfer')(address, parseUnits('80', 6));
      await dropped.wait();
      const funding = await earlyFundingMined(address);

      // the deposit's block and the funding's are replaced: the funding is included again, the deposit is not
      await provider.send('anvil_reorg', [2, [[funding.raw, 0]]]);
      expect(await provider.getTransactionReceipt(dropped.hash)).toBeNull();
      await mine(5);
      await eventually(
        'the deposit dropped',
        async () => (await stack.api.get('/v1/deposits', { token: user.token })).body.data[0]?.status === 'dropped',
      );
      await eventually('the funding confirmed', async () => (await fundingsTo(address))[0]?.status === 'confirmed');
      expect(await fundingsTo(address)).toHaveLength(1);
      expect(await sweepsOf(address)).toEqual([]);
      const balances = (await stack.api.get('/v1/balances', { token: user.token })).body.data;
      expect(balances.find((b: { currency: string }) => b.currency === 'USDT')?.posted ?? '0.000000').toBe('0.000000');

      // no sweep claims it: the reconciliation books it, once, and the books hold the gas in the wallet
      expect(await reconciled()).toEqual([]);
      expect(await bookedKeys(funding.key)).toEqual([funding.key, `${funding.key}-gas`]);
      await reconcile();
      expect(await bookedKeys(funding.key)).toHaveLength(2);

      // the wallet's next deposit is swept with that gas: no funding of its own, none sent early again
      customer.reset();
      await (await usdt.getFunction('transfer')(address, parseUnits('30', 6))).wait();
      const sweep = await mining('the next deposit swept', async () => {
        const [s] = await sweepsOf(address);
        return s?.status === 'confirmed' && s;
      });
      expect(sweep).toMatchObject({ earlyFundingKey: funding.key, fundingSendId: null, amount: parseUnits('30', 6) });
      expect(await fundingsTo(address)).toHaveLength(1);
      expect(await provider.getTransactionCount(gasKeeper.address)).toBe(keeperNonce + 1);
      expect(await tokenBalance(address)).toBe(0n);
      expect(await bookedKeys(funding.key)).toHaveLength(2);
      expect(await reconciled()).toEqual([]);
      // hot custody's ETH in the books is what the deposit wallets hold: the gas both fundings left
      expect(await hotEth()).toBe(await depositWalletsEth());
    },
  );
});

/** What the deposit wallets hold on chain (this file's chain has no hot wallet of its own). */
async function depositWalletsEth(): Promise<bigint> {
  const wallets = await stack.db.sql`select distinct address from deposits where chain = ${CHAIN}`;
  let total = 0n;
  for (const w of wallets) total += await provider.getBalance(w.address as string);
  return total;
}
