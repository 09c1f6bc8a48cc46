/**
 * EVM helpers for tests on the shared anvil: never send from anvil's well-known accounts (other test files do);
 * make random wallets, fund them with anvil_setBalance, and deploy a USDT of the test file's own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcProvider, NonceManager, Wallet, parseEther, toBeHex } from 'ethers';
import { deployTestUsdt } from '../../chains/evm/test-usdt.js';

export function testProvider(rpcUrl: string): JsonRpcProvider {
  // receipts are polled every 4 s by default: far slower than the 1-second blocks
  return new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
}

export async function setBalance(provider: JsonRpcProvider, address: string, wei: bigint): Promise<void> {
  await provider.send('anvil_setBalance', [address, toBeHex(wei)]);
}

/** A random wallet holding `eth` ETH, sending with its own nonce count (many sends at once never collide). */
export async function fundedWallet(provider: JsonRpcProvider, eth = '1000'): Promise<NonceManager> {
  const wallet = Wallet.createRandom(provider);
  await setBalance(provider, wallet.address, parseEther(eth));
  return new NonceManager(wallet);
}

export async function deployUsdt(provider: JsonRpcProvider, owner: NonceManager, supply = 10n ** 15n): Promise<string> {
  const address = await deployTestUsdt(owner, supply);
  return address.toLowerCase();
}

/** Settings of a stack collecting on this chain with keys of its own. */
export function evmStackEnv(options: {
  usdt: string;
  gasKeeperKey: string;
  coldWallet: string;
  confirmations?: number;
}): Record<string, string> {
  return {
    USDT_CONTRACT_ADDRESS: options.usdt,
    GAS_KEEPER_PRIVATE_KEY: options.gasKeeperKey,
    COLD_WALLET_ADDRESS: options.coldWallet,
    EVM_DEPOSIT_MNEMONIC: Wallet.createRandom().mnemonic!.phrase,
    EVM_CONFIRMATIONS: String(options.confirmations ?? 2),
    EVM_POLL_INTERVAL_MS: '500',
    GAS_KEEPER_POLL_SECONDS: '2',
    GAS_KEEPER_MIN_BALANCE: '0.5',
    SWEEP_MINIMUMS: 'ETH=0.001,USDT=1',
  };
}

/** Polls until `probe` returns a value (not undefined/false), or fails with what it last saw. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Bytecode: CALL(all gas, `to`, callvalue, no data): passes on the ether the running call or creation carries. */
const passValueOn = (to: string) => `60006000600060003473${to.slice(2).toLowerCase()}5af1`;

/** Creation code whose constructor passes its value on to `to` (ether that moves by an inner call, in no `to`). */
export const constructorPaying = (to: string) => `0x${passValueOn(to)}00`;

/**
 * Creation code of a contract passing the value of every call it gets on to `to`; with `then: 'revert'` it reverts
 * afterwards, which undoes the payment (its caller may carry on).
 */
export function forwarderCreation(to: string, then: 'stop' | 'revert' = 'stop'): string {
  const runtime = `${passValueOn(to)}50${then === 'revert' ? '60006000fd' : '00'}`;
  // CODECOPY the runtime (after these 11 bytes) to memory and RETURN it
  return `0x60${(runtime.length / 2).toString(16).padStart(2, '0')}80600b6000396000f3${runtime}`;
}
