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

/** Wallets whose derived keys a worker keeps (the branch it derives them from is in memory anyway). */
const KEPT_WALLETS = 5_000;

/**
 * Signs for deposit wallets (the worker's side). Deriving a key costs about 2 ms of the worker's one thread, so the
 * derived wallets are kept (the most recent KEPT_WALLETS): the sweeper derives a token wallet's key while its gas
 * funding is on the way, and signs at once when it is mined.
 */
export class DepositWallets {
  private readonly node: HDNodeWallet;
  private readonly derived = new Map<number, HDNodeWallet>();

  constructor(
    phrase: string,
    private readonly keep = KEPT_WALLETS,
  ) {
    this.node = branch(phrase);
  }

  walletAt(index: number): HDNodeWallet {
    const kept = this.derived.get(index);
    if (kept) return kept;
    const wallet = this.node.deriveChild(index);
    this.derived.set(index, wallet);
    if (this.derived.size > this.keep) this.derived.delete(this.derived.keys().next().value!);
    return wallet;
  }
}
