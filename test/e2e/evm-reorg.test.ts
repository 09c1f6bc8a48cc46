/**
 * A reorg removing deposits before their confirmations, on an anvil of this file's own (reorganising the shared chain
 * would break other tests): a transfer and a contract's payment (an inner call) are dropped and never credited; later
 * deposits are credited as usual.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { Wallet, parseEther, type JsonRpcProvider, type NonceManager } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { constructorPaying, eventually, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';
import { startStack, type Stack } from '../support/stack.js';

let anvil: AnvilChain;
let provider: JsonRpcProvider;
let customer: NonceManager;
let stack: Stack;

beforeAll(async () => {
  // no block time: blocks are mined when a transaction arrives or the test mines one
  anvil = await startOwnAnvil('anvil-reorg');
  provider = testProvider(anvil.rpcUrl);
  customer = await fundedWallet(provider, '100');
  const gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('10'));
  stack = await startStack({
    env: {
      EVM_RPC_URL: anvil.rpcUrl,
      EVM_WS_URL: anvil.wsUrl,
      GAS_KEEPER_PRIVATE_KEY: gasKeeper.privateKey,
      COLD_WALLET_ADDRESS: Wallet.createRandom().address,
      EVM_DEPOSIT_MNEMONIC: Wallet.createRandom().mnemonic!.phrase,
      EVM_CONFIRMATIONS: '3',
      EVM_REORG_DEPTH: '6',
      EVM_POLL_INTERVAL_MS: '300',
    },
    evmListener: true,
  });
});
afterAll(async () => {
  await stack?.stop();
  provider?.destroy();
  await anvil?.stop();
});

const mine = async (blocks: number) => {
  for (let i = 0; i < blocks; i++) await provider.send('evm_mine', []);
};

describe('EVM reorg', () => {
  it(
    'drops the deposits of a block replaced before their confirmations, a contract’s payment too, and never credits them',
    { timeout: 120_000 },
    async () => {
      const user = await stack.api.signUp('reorged@example.com');
      const address = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token })).body.address;
      const deposits = async () =>
        (await stack.api.get('/v1/deposits', { token: user.token })).body.data as Array<{
          tx_hash: string;
          status: string;
          confirmations: number;
        }>;

      // one block: a transfer, and a contract whose constructor pays the address
      await provider.send('evm_setAutomine', [false]);
      const sent = await customer.sendTransaction({ to: address, value: parseEther('1') });
      const paid = await customer.sendTransaction({ data: constructorPaying(address), value: parseEther('0.2') });
      await provider.send('evm_mine', []);
      await provider.send('evm_setAutomine', [true]);
      await Promise.all([sent.wait(), paid.wait()]);
      const seen = await eventually('both deposits seen', async () => {
        const found = await deposits();
        return found.length === 2 && found;
      });
      expect(seen.map((d) => `${d.tx_hash} ${d.status} ${d.confirmations}`).sort()).toEqual(
        [`${sent.hash.toLowerCase()} pending 1`, `${paid.hash.toLowerCase()} pending 1`].sort(),
      );

      await provider.send('anvil_reorg', [1, []]); // the deposits' block is replaced by one without them
      expect(await provider.getTransactionReceipt(sent.hash)).toBeNull();
      await mine(5);

      await eventually('both deposits dropped', async () => (await deposits()).every((d) => d.status === 'dropped'));
      // the listener records the drops, then its outbox starts the deposits' workflows beside its loop: wait for them
      for (const id of [`${sent.hash.toLowerCase()}:0`, `${paid.hash.toLowerCase()}:1000000001`]) {
        const workflow = stack.temporal.workflow.getHandle(`deposit:evm-31337:${id}`);
        const result = await eventually("the dropped deposit's workflow result", () =>
          workflow.result().catch((error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return undefined;
            throw error;
          }),
        );
        expect(result).toMatchObject({ state: 'dropped' });
      }
      const balances = (await stack.api.get('/v1/balances', { token: user.token })).body.data;
      expect(balances.find((b: { currency: string }) => b.currency === 'ETH')).toMatchObject({ posted: '0.000000000000000000' });
      const [credits] = await stack.db.sql`select count(*)::int as n from ledger_transfers where key like 'deposit:%'`;
      expect(credits!.n).toBe(0);

      // the listener goes on: a deposit that stays on chain is credited after its three confirmations
      customer.reset();
      const next = await customer.sendTransaction({ to: address, value: parseEther('0.5') });
      await next.wait();
      await mine(2);
      await eventually(
        'the next deposit credited',
        async () => (await deposits()).find((d) => d.tx_hash === next.hash.toLowerCase())?.status === 'credited',
      );
      const after = (await stack.api.get('/v1/balances', { token: user.token })).body.data;
      expect(after.find((b: { currency: string }) => b.currency === 'ETH')).toMatchObject({ posted: '0.500000000000000000' });
    },
  );
});
