/**
 * Signing an EIP-1559 transaction with a key: the CPU-heavy step of a send (about 1.4 ms), run in the signer thread
 * (signer-thread.ts), never on the worker's event loop.
 */
import { getAddress, Transaction, type SigningKey } from 'ethers';

/** What a send signs: every field fixed, nothing to resolve through a provider. */
export interface UnsignedTx {
  chainId: bigint;
  to: string;
  value: bigint;
  data: string;
  nonce: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface SignedTx {
  raw: string;
  txHash: string;
}

/**
 * Signs with the key directly, as `signTransaction` does once it has resolved the request's addresses through the
 * provider (nothing to resolve here: `to` is an address).
 */
export function signTransaction(key: SigningKey, t: UnsignedTx): SignedTx {
  const tx = Transaction.from({
    type: 2,
    chainId: t.chainId,
    to: getAddress(t.to),
    value: t.value,
    data: t.data,
    nonce: Number(t.nonce),
    gasLimit: t.gasLimit,
    maxFeePerGas: t.maxFeePerGas,
    maxPriorityFeePerGas: t.maxPriorityFeePerGas,
  });
  tx.signature = key.sign(tx.unsignedHash);
  return { raw: tx.serialized, txHash: tx.hash! };
}
