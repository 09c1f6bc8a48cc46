/**
 * Our EIP-1559 encoder signs exactly what ethers' `Transaction` signs: the same raw bytes and hash, over random
 * transactions (zero and wide values, empty and long data, checksummed and lower-case recipients).
 */
import { SigningKey, Transaction, getAddress, hexlify, randomBytes, toBigInt } from 'ethers';
import { describe, expect, it } from 'vitest';
import { signTransaction, type UnsignedTx } from '../../chains/evm/tx-signing.js';

/** A random unsigned integer of 0 to `maxBytes` bytes (0 included, often). */
const randomInt = (maxBytes: number) => {
  const bytes = Math.floor(Math.random() * (maxBytes + 1));
  return bytes === 0 ? 0n : toBigInt(randomBytes(bytes));
};

function randomTx(): UnsignedTx {
  const to = getAddress(hexlify(randomBytes(20)));
  const maxFeePerGas = randomInt(16);
  return {
    chainId: 1n + randomInt(4),
    to: Math.random() < 0.5 ? to : to.toLowerCase(),
    value: randomInt(32),
    data: hexlify(randomBytes(Math.floor(Math.random() * 3) === 0 ? 0 : Math.floor(Math.random() * 200))),
    nonce: randomInt(6),
    gasLimit: randomInt(8),
    maxFeePerGas,
    maxPriorityFeePerGas: maxFeePerGas === 0n ? 0n : randomInt(16) % (maxFeePerGas + 1n),
  };
}

/** What ethers signs for the same transaction with the same key (RFC 6979: signatures are deterministic). */
function ethersSigned(key: SigningKey, t: UnsignedTx) {
  const tx = Transaction.from({ type: 2, ...t, nonce: Number(t.nonce) });
  tx.signature = key.sign(tx.unsignedHash);
  return { raw: tx.serialized, txHash: tx.hash };
}

describe('signTransaction', () => {
  it("encodes and signs byte for byte as ethers' Transaction does", () => {
    for (let i = 0; i < 300; i++) {
      const key = new SigningKey(hexlify(randomBytes(32)));
      const t = randomTx();
      expect(
        signTransaction(key, t),
        JSON.stringify(t, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
      ).toEqual(ethersSigned(key, t));
    }
  });

  it('refuses what ethers refuses: a recipient not an address, data not hex bytes, a negative field, a tip above the fee', () => {
    const key = new SigningKey(hexlify(randomBytes(32)));
    expect(() => signTransaction(key, { ...randomTx(), to: '0x1234' })).toThrow(/not an address/);
    expect(() => signTransaction(key, { ...randomTx(), data: '0xabc' })).toThrow(/not hex data/);
    expect(() => signTransaction(key, { ...randomTx(), value: -1n })).toThrow(/negative/);
    expect(() => signTransaction(key, { ...randomTx(), maxFeePerGas: 1n, maxPriorityFeePerGas: 2n })).toThrow(/priority fee/);
  });
});
