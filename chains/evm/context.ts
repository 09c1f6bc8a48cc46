/**
 * The EVM side of the worker, built from configuration: the node, the chain's key, the sender, the deposit wallets'
 * seed, the gas keeper's key and the collection settings. Collection runs when a node and a deposit seed are
 * configured; then the cold wallet is required, and the gas keeper's key too outside dev.
 */
import type { JsonRpcProvider } from 'ethers';
import { gasKeeperKey } from './gas-keeper-key.js';
import { isMnemonic } from './hd-wallets.js';
import { createEvmProvider, detectChain } from './provider.js';
import { EvmSender } from './sender.js';
import { SignerThread, type Signer } from './signer-thread.js';
import type { Sql } from '../../platform/db/client.js';
import { parseAmount } from '../../domain/money.js';
import { ConfigError, parseAmountsPerCurrency, required, type Config } from '../../platform/config.js';
import type { Logger } from '../../platform/log.js';
import { retryUntilConnected } from '../../platform/retry.js';

const ETH_SCALE = 18;

export interface GasKeeperSettings {
  /** Wei, decimal digits (workflow payloads carry amounts as strings). */
  minBalance: string;
  maxFunding: string;
  pollSeconds: number;
}

export interface EvmContext {
  chain: string;
  chainId: bigint;
  provider: JsonRpcProvider;
  sender: EvmSender;
  /** Derives the deposit wallets and signs every send, off the event loop (closed when the worker stops). */
  signers: SignerThread;
  gasKeeper: Signer;
  coldWallet: string;
  confirmations: number;
  /** Per currency code, in minor units: below this a wallet is not worth sweeping yet. */
  sweepMinimums: Map<string, string>;
  gasMarginPercent: number;
  resubmitAfterMs: number;
  gasKeeperSettings: GasKeeperSettings;
}

function ethAmount(name: string, text: string): bigint {
  const parsed = parseAmount(text, ETH_SCALE, { allowZero: true });
  if (!parsed.ok) throw new ConfigError(`Invalid configuration:\n  ${name}: ${parsed.reason}`);
  return parsed.value;
}

export function evmCollectionEnabled(config: Config): boolean {
  return Boolean(config.EVM_RPC_URL && config.EVM_DEPOSIT_MNEMONIC);
}

/** Checks the settings first (a mistake stops start-up), then waits for the node to learn the chain. */
export async function createEvmContext(config: Config, sql: Sql, log: Logger): Promise<EvmContext> {
  const keeperKey = gasKeeperKey(config);
  const phrase = required(config, 'EVM_DEPOSIT_MNEMONIC');
  if (!isMnemonic(phrase))
    throw new ConfigError('Invalid configuration:\n  EVM_DEPOSIT_MNEMONIC: is not a valid BIP-39 mnemonic');
  const coldWallet = required(config, 'COLD_WALLET_ADDRESS').toLowerCase();
  const gasKeeperSettings = {
    minBalance: ethAmount('GAS_KEEPER_MIN_BALANCE', config.GAS_KEEPER_MIN_BALANCE).toString(),
    maxFunding: ethAmount('GAS_KEEPER_MAX_FUNDING', config.GAS_KEEPER_MAX_FUNDING).toString(),
    pollSeconds: config.GAS_KEEPER_POLL_SECONDS,
  };
  const provider = createEvmProvider(required(config, 'EVM_RPC_URL'));
  const { chain, chainId } = await retryUntilConnected(log, 'the EVM node', () => detectChain(provider, config.EVM_CHAIN_ID));
  const signers = new SignerThread(phrase);
  await signers.open();
  return {
    chain,
    chainId,
    provider,
    sender: new EvmSender({ sql, provider, chain, chainId, confirmations: config.EVM_CONFIRMATIONS }),
    signers,
    gasKeeper: signers.keySigner(keeperKey),
    coldWallet,
    confirmations: config.EVM_CONFIRMATIONS,
    sweepMinimums: parseAmountsPerCurrency(config.SWEEP_MINIMUMS),
    gasMarginPercent: config.GAS_MARGIN_PERCENT,
    resubmitAfterMs: config.EVM_RESUBMIT_AFTER_SECONDS * 1000,
    gasKeeperSettings,
  };
}
