/**
 * The custody wallets a configuration names: the gas keeper, the cold wallet and the hot wallets on the EVM chain, the
 * XRPL hot wallet and deposit address. The worker registers them; the dev stack books their opening balances; the API
 * and the worker refuse withdrawals to them (services/withdrawals/own-wallets.ts).
 */
import { Wallet } from 'ethers';
import { Wallet as XrplWallet } from 'xrpl';
import { evmCollectionEnabled } from '../../chains/evm/context.js';
import { gasKeeperKey } from '../../chains/evm/gas-keeper-key.js';
import { gasKeeperAccount } from '../../domain/collection/rules.js';
import { coldCustodyAccount, hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { evmHotWalletKeys, required, type Config } from '../../platform/config.js';
import type { CustodyAddress } from './store.js';

/** `evmChain`: the EVM chain collected on (its custody wallets are then configured), or null. */
export function configuredCustody(config: Config, evmChain: string | null): CustodyAddress[] {
  const wallets: CustodyAddress[] = [];
  if (evmChain) {
    const chain = evmChain;
    const keeper = new Wallet(gasKeeperKey(config));
    wallets.push({ chain, address: keeper.address.toLowerCase(), account: gasKeeperAccount(chain), label: 'gas keeper' });
    const cold = required(config, 'COLD_WALLET_ADDRESS').toLowerCase();
    wallets.push({ chain, address: cold, account: coldCustodyAccount(chain), label: 'cold wallet' });
    for (const { id, privateKey } of evmHotWalletKeys(config)) {
      const address = new Wallet(privateKey).address.toLowerCase();
      wallets.push({ chain, address, account: hotCustodyAccount(chain), label: `hot wallet ${id}` });
    }
  }
  if (config.XRPL_HOT_WALLET_SEED) {
    const address = XrplWallet.fromSeed(config.XRPL_HOT_WALLET_SEED).classicAddress;
    wallets.push({
      chain: XRPL_CHAIN,
      address,
      account: hotCustodyAccount(XRPL_CHAIN),
      label: `hot wallet ${config.XRPL_HOT_WALLET_ID}`,
    });
  }
  if (config.XRPL_DEPOSIT_ADDRESS) {
    wallets.push({
      chain: XRPL_CHAIN,
      address: config.XRPL_DEPOSIT_ADDRESS,
      account: hotCustodyAccount(XRPL_CHAIN),
      label: 'deposit address',
    });
  }
  return wallets;
}

/** The custody addresses per network: EVM ones lowercase, XRPL's as they are (base58 is case-sensitive). */
export type CustodyWalletAddresses = Record<'evm' | 'xrpl', ReadonlySet<string>>;

/**
 * The addresses of the custody wallets the configuration names, known without the EVM node: the chain only names the
 * wallets' accounts, and the worker registers its wallets on the chain its node reports when EVM collection is on.
 */
export function configuredCustodyAddresses(config: Config): CustodyWalletAddresses {
  const wallets = configuredCustody(config, evmCollectionEnabled(config) ? 'evm' : null);
  const on = (xrpl: boolean) => new Set(wallets.filter((w) => (w.chain === XRPL_CHAIN) === xrpl).map((w) => w.address));
  return { evm: on(false), xrpl: on(true) };
}
