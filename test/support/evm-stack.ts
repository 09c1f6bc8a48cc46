/** A full stack on anvil with the EVM listener: a funded customer wallet, the test USDT deployed, a funded gas keeper. */
import { Wallet, parseEther, type JsonRpcProvider } from 'ethers';
import { inject } from 'vitest';
import { deployUsdt, evmStackEnv, fundedWallet, setBalance, testProvider } from './evm.js';
import { startStack, type Stack } from './stack.js';

export interface EvmStack {
  stack: Stack;
  provider: JsonRpcProvider;
  /** A wallet with 100 ETH and the test USDT's whole supply, to send deposits from. */
  customer: Awaited<ReturnType<typeof fundedWallet>>;
  usdt: string;
}

export async function startEvmStack(): Promise<EvmStack> {
  const provider = testProvider(inject('evmRpcUrl'));
  const customer = await fundedWallet(provider, '100');
  const usdt = await deployUsdt(provider, customer);
  const gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('50'));
  const stack = await startStack({
    env: evmStackEnv({ usdt, gasKeeperKey: gasKeeper.privateKey, coldWallet: Wallet.createRandom().address }),
    evmListener: true,
  });
  return { stack, provider, customer, usdt };
}
