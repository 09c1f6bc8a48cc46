/**
 * Deposit wallets from one HD seed (BIP-44, m/44'/60'/0'/0/<index>): the API derives addresses from the public
 * branch only; the worker derives the private key of a wallet when it sweeps it.
 */
import { createHmac } from 'node:crypto';
import { getBytes, HDNodeWallet, Mnemonic, toBeHex, Wallet, type HDNodeVoidWallet } from 'ethers';

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

/** The order of secp256k1's group: BIP-32 adds keys modulo it. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Signs for deposit wallets (the worker's side, in its signer thread: signer-thread-entry.ts). A wallet's key is
 * derived by BIP-32's private child derivation (non-hardened: HMAC-SHA512 of the branch's chain code over its public
 * key and the index, added to the branch's key), the key alone: `HDNodeWallet.deriveChild` computes the same key and
 * then two public keys and a fingerprint the sweep has no use for, which made it cost twice as much (about 1.5 ms
 * against 0.9 ms with the wallet's address, measured under load). The derived wallets are kept too (the most recent
 * KEPT_WALLETS): the sweeper derives a token wallet's key while its gas funding is on the way, and signs at once when
 * it is mined.
 */
export class DepositWallets {
  private readonly branchKey: bigint;
  private readonly branchPublicKey: Uint8Array;
  private readonly chainCode: Uint8Array;
  private readonly derived = new Map<number, Wallet>();

  constructor(
    phrase: string,
    private readonly keep = KEPT_WALLETS,
  ) {
    const node = branch(phrase);
    this.branchKey = BigInt(node.privateKey);
    this.branchPublicKey = getBytes(node.publicKey); // compressed, as BIP-32 hashes it
    this.chainCode = getBytes(node.chainCode);
  }

  walletAt(index: number): Wallet {
    const kept = this.derived.get(index);
    if (kept) return kept;
    const wallet = new Wallet(this.childKey(index));
    this.derived.set(index, wallet);
    if (this.derived.size > this.keep) this.derived.delete(this.derived.keys().next().value!);
    return wallet;
  }

  private childKey(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31) throw new RangeError(`not a deposit index: ${index}`);
    const data = Buffer.alloc(37);
    data.set(this.branchPublicKey, 0);
    data.writeUInt32BE(index, 33);
    const digest = createHmac('sha512', this.chainCode).update(data).digest();
    const tweak = BigInt(`0x${digest.subarray(0, 32).toString('hex')}`);
    const key = (tweak + this.branchKey) % CURVE_ORDER;
    // BIP-32 gives such an index no key (odds about 1 in 2^127): refused rather than signed for with another
    if (tweak >= CURVE_ORDER || key === 0n) throw new RangeError(`deposit index ${index} has no valid key`);
    return toBeHex(key, 32);
  }
}
