/**
 * The JSON-RPC connection to an EVM node. The network is detected once and kept (staticNetwork), and the
 * provider's 250 ms result cache is off: Sluice reads nonces and balances it is about to act on.
 */
import { JsonRpcProvider, type BlockTag } from 'ethers';
import { evmChain } from '../../domain/deposits/credit.js';
import { decodeBalance, encodeBalanceOf } from './erc20.js';

export function createEvmProvider(rpcUrl: string): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, polling: false });
}

/** The chain's key in Sluice (`evm-<chainId>`), from the node; refuses a node on another chain than configured. */
export async function detectChain(
  provider: JsonRpcProvider,
  expectedChainId?: number,
): Promise<{ chain: string; chainId: bigint }> {
  const chainId = BigInt(await provider.send('eth_chainId', []));
  if (expectedChainId !== undefined && chainId !== BigInt(expectedChainId)) {
    throw new Error(`the EVM node is on chain ${chainId}, not the configured EVM_CHAIN_ID ${expectedChainId}`);
  }
  return { chain: evmChain(chainId), chainId };
}

export async function tokenBalance(
  provider: JsonRpcProvider,
  token: string,
  owner: string,
  blockTag: BlockTag = 'latest',
): Promise<bigint> {
  return decodeBalance(await provider.call({ to: token, data: encodeBalanceOf(owner), blockTag }));
}

export interface FeeQuote {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** One answer of `read` shared by every caller until it is `maxAgeMs` old (a failed one is asked again, not shared). */
function shared<T>(read: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    if (!last || Date.now() - last.at > maxAgeMs) {
      const value = read();
      last = { at: Date.now(), value };
      value.catch(() => (last = null));
    }
    return last.value;
  };
}

/**
 * One fee quote shared by the many transactions priced together (a sweeper's tick prices hundreds of wallets: one
 * quote reads the latest block, whose transaction list a burst makes large), taken again once `maxAgeMs` old.
 */
export const sharedFeeQuote = (provider: JsonRpcProvider, maxAgeMs: number): (() => Promise<FeeQuote>) =>
  shared(() => quoteFees(provider), maxAgeMs);

/** The node's head block number, shared by the many lanes that watch it (one call per `maxAgeMs` at most). */
export const sharedHead = (provider: JsonRpcProvider, maxAgeMs: number): (() => Promise<number>) =>
  shared(() => provider.getBlockNumber(), maxAgeMs);

/** EIP-1559 fees that stay valid while the base fee doubles: 2 × base fee + the node's suggested tip. */
export async function quoteFees(provider: JsonRpcProvider): Promise<FeeQuote> {
  const [block, tip] = await Promise.all([provider.getBlock('latest'), provider.send('eth_maxPriorityFeePerGas', [])]);
  const priority = BigInt(tip);
  const base = block?.baseFeePerGas ?? 0n;
  return { maxFeePerGas: base * 2n + priority, maxPriorityFeePerGas: priority };
}
