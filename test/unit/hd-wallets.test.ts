/**
 * Deposit wallets: the worker's keys sign for the addresses the API hands out, and a derived wallet kept for the next
 * sweep is that same wallet (keeping it changes nothing but the time it takes).
 */
import { HDNodeWallet, Mnemonic, randomBytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { DepositAddressDeriver, DepositWallets } from '../../chains/evm/hd-wallets.js';

const phrase = Mnemonic.fromEntropy(randomBytes(16)).phrase;

describe('deposit wallets', () => {
  it("derives for each index the key of the API's address, and answers a kept wallet as derived", () => {
    const api = new DepositAddressDeriver(phrase);
    const worker = new DepositWallets(phrase);
    const first = [0, 1, 7, 1_000].map((i) => worker.walletAt(i));
    expect(first.map((w) => w.address.toLowerCase())).toEqual([0, 1, 7, 1_000].map((i) => api.addressAt(i)));
    expect(worker.walletAt(7)).toBe(first[2]);
    expect(worker.walletAt(7).privateKey).toBe(new DepositWallets(phrase).walletAt(7).privateKey);
  });

  it("derives each index's key as BIP-32 does (ethers' HD wallet), e.g. anvil's first account", () => {
    const anvil = new DepositWallets('test test test test test test test test test test test junk');
    expect(anvil.walletAt(0).address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    const branch = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), "m/44'/60'/0'/0");
    const worker = new DepositWallets(phrase);
    for (const index of [0, 1, 2, 99, 12_345, 2 ** 31 - 1]) {
      expect(worker.walletAt(index).privateKey).toBe(branch.deriveChild(index).privateKey);
    }
    expect(() => worker.walletAt(2 ** 31)).toThrow(RangeError); // hardened: the public branch could not derive it
  });

  it('keeps a bounded number of wallets: the oldest is derived again, to the same key', () => {
    const worker = new DepositWallets(phrase, 3);
    const oldest = worker.walletAt(0);
    for (const i of [1, 2, 3]) worker.walletAt(i);
    const again = worker.walletAt(0);
    expect(again).not.toBe(oldest);
    expect(again.privateKey).toBe(oldest.privateKey);
    expect(worker.walletAt(3)).toBe(worker.walletAt(3));
  });
});
