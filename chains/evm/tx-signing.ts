/**
 * Signing an EIP-1559 transaction with a key: the CPU-heavy step of a send, run in the signer thread
 * (signer-thread.ts), never on the worker's event loop. The transaction is encoded here rather than through ethers'
 * `Transaction`, whose object work (normalising and checking every field, checksumming the address, its getters) was
 * a fifth of a signature's cost (0.45 → 0.37 ms a signature on this machine, idle); the bytes are ethers' own
 * (test/unit/tx-signing.test.ts compares them over random transactions).
 */
import { concat, encodeRlp, isHexString, keccak256, toBeHex, type SigningKey } from 'ethers';

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

/** EIP-2718's type byte of an EIP-1559 transaction. */
const EIP1559 = '0x02';

/** An RLP integer: its big-endian bytes without leading zeros (none for 0). */
function rlpInteger(value: bigint): string {
  if (value < 0n) throw new RangeError(`a transaction field cannot be negative: ${value}`);
  return value === 0n ? '0x' : toBeHex(value);
}

/**
 * Signs with the key directly: `0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value,
 * data, accessList])` is hashed and signed, and the signature's yParity, r and s appended to the list (EIP-1559).
 */
export function signTransaction(key: SigningKey, t: UnsignedTx): SignedTx {
  if (!isHexString(t.to, 20)) throw new TypeError(`not an address: ${t.to}`);
  if (!isHexString(t.data, true)) throw new TypeError(`not hex data: ${t.data}`);
  if (t.maxPriorityFeePerGas > t.maxFeePerGas) throw new RangeError('the priority fee cannot be more than the max fee');
  const fields = [
    rlpInteger(t.chainId),
    rlpInteger(t.nonce),
    rlpInteger(t.maxPriorityFeePerGas),
    rlpInteger(t.maxFeePerGas),
    rlpInteger(t.gasLimit),
    t.to,
    rlpInteger(t.value),
    t.data,
    [], // no access list
  ];
  const signature = key.sign(keccak256(concat([EIP1559, encodeRlp(fields)])));
  const signed = [
    ...fields,
    rlpInteger(BigInt(signature.yParity)),
    rlpInteger(BigInt(signature.r)),
    rlpInteger(BigInt(signature.s)),
  ];
  const raw = concat([EIP1559, encodeRlp(signed)]);
  return { raw, txHash: keccak256(raw) };
}
