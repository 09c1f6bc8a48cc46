/**
 * Deposit wallets from one HD seed (BIP-44, m/44'/60'/0'/0/<index>): the API derives addresses from the public
 * branch only; the worker derives the private key of a wallet when it sweeps it.
 */
import { HDNodeWallet, Mnemonic, type HDNodeVoidWallet } from 'ethers';

const DEPOSIT_BRANCH = "m/44'/60'/0'/0";

export function isMnemonic(phrase: string): boolean {
  return Mnemonic.isValidMnemonic(phrase.trim());
}

function branch(phrase: string): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase.trim()), DEPOSIT_BRANCH);
}

/** Derives deposit addresses without holding a private key (the API's side). */
export class DepositAddressDeriver {
  private readonly node: HDNodeVoidWallet;

  constructor(phrase: string) {
    this.node = branch(phrase).neuter();
  }

  /** Lowercase, as stored. */
  addressAt(index: number): string {
    return this.node.deriveChild(index).address.toLowerCase();
  }
}

/** Signs for deposit wallets (the worker's side). */
export class DepositWallets {
  private readonly node: HDNodeWallet;

  constructor(phrase: string) {
    this.node = branch(phrase);
  }

  walletAt(index: number): HDNodeWallet {
    return this.node.deriveChild(index);
  }
}
