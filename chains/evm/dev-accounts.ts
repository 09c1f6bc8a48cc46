/**
 * The accounts of a local anvil chain: anvil funds the first ten keys of this well-known test mnemonic. Never used
 * against a real chain; the dev stack and tests give them roles (token deployer, gas keeper, hot wallets).
 */
import { HDNodeWallet, Mnemonic } from 'ethers';

export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export const DevAccount = { Deployer: 0, GasKeeper: 1, HotWalletA: 2, HotWalletB: 3, ColdWallet: 4, Customer: 9 } as const;

export function devPrivateKey(index: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey;
}

export function devAddress(index: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_MNEMONIC), `m/44'/60'/0'/0/${index}`).address;
}

/**
 * The dev stack's custody wallets on its anvil, unless configured: the cold wallet, and two hot wallets (so provider
 * failover can be seen), funded on anvil (ETH, and USDT by the dev token's set-up).
 */
export function devCustodySettings(configured: { COLD_WALLET_ADDRESS?: string; EVM_HOT_WALLET_KEYS?: string }) {
  return {
    COLD_WALLET_ADDRESS: configured.COLD_WALLET_ADDRESS ?? devAddress(DevAccount.ColdWallet),
    EVM_HOT_WALLET_KEYS:
      configured.EVM_HOT_WALLET_KEYS ??
      `evm-hot-a=${devPrivateKey(DevAccount.HotWalletA)},evm-hot-b=${devPrivateKey(DevAccount.HotWalletB)}`,
  };
}
