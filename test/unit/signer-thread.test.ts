/**
 * The signer thread: what it signs is what ethers signs with the same key (deposit wallets derived from the seed, keys
 * given), a request it cannot answer fails alone, and a thread that dies fails the requests waiting on it, never
 * leaving them hanging, while the next request is answered by a new thread.
 */
import { HDNodeWallet, Mnemonic, Transaction, Wallet, randomBytes } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { SignerThread } from '../../chains/evm/signer-thread.js';
import type { UnsignedTx } from '../../chains/evm/tx-signing.js';

const phrase = Mnemonic.fromEntropy(randomBytes(16)).phrase;
const signers = new SignerThread(phrase);
const dying = new SignerThread(phrase, new URL('../support/dying-signer-thread.ts', import.meta.url));
afterAll(() => Promise.all([signers.close(), dying.close()]));

const unsigned = (nonce: bigint, data = '0x'): UnsignedTx => ({
  chainId: 31337n,
  to: Wallet.createRandom().address.toLowerCase(),
  value: 12_345n,
  data,
  nonce,
  gasLimit: 60_000n,
  maxFeePerGas: 3_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
});

/** What ethers' own wallet signs for the same transaction (signatures are deterministic: RFC 6979). */
async function ethersSigned(wallet: Wallet | HDNodeWallet, tx: UnsignedTx) {
  const raw = await wallet.signTransaction({ type: 2, ...tx, nonce: Number(tx.nonce) });
  return { raw, txHash: Transaction.from(raw).hash };
}

/**
 * How many of the 40 requests asked first the thread may have signed before the urgent one reached it: a few on an idle
 * machine, 10 once under a loaded suite (CI), where this thread's turns run while the test's loop is still posting.
 * Without priority the urgent one is answered last, 40th.
 */
const TAKEN_BEFORE_AT_MOST = 20;

// a thread loads tsx and ethers when it starts: seconds on a loaded machine
describe('the signer thread', { timeout: 30_000 }, () => {
  it("signs as ethers does, with a given key and with a deposit wallet's derived one", async () => {
    const keeper = Wallet.createRandom();
    const keySigner = signers.keySigner(keeper.privateKey);
    expect(keySigner.address).toBe(keeper.address);
    const tx = unsigned(7n, '0xa9059cbb' + '00'.repeat(64));
    expect(await keySigner.sign(tx)).toEqual(await ethersSigned(keeper, tx));

    const branch = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), "m/44'/60'/0'/0");
    for (const index of [0, 3, 1_000]) {
      const deposit = await signers.depositSigner(index);
      expect(deposit.address).toBe(branch.deriveChild(index).address);
      const depositTx = unsigned(BigInt(index));
      expect(await deposit.sign(depositTx)).toEqual(await ethersSigned(branch.deriveChild(index), depositTx));
    }
  });

  it("signs a given key's transactions before the deposit wallets' asked for earlier", async () => {
    const deposit = await signers.depositSigner(5);
    const keeper = signers.keySigner(Wallet.createRandom().privateKey);
    const answered: string[] = [];
    // made first: a random recipient costs a key's derivation, and the requests must be asked together
    const txs = Array.from({ length: 41 }, (_, i) => unsigned(BigInt(i)));
    const sweeps = txs.slice(1).map((tx) => deposit.sign(tx).then(() => answered.push('sweep')));
    const funding = keeper.sign(txs[0]!).then(() => answered.push('funding'));
    await Promise.all([...sweeps, funding]);
    // after those the thread took before the funding's request reached it, not after all 40
    expect(answered.indexOf('funding')).toBeLessThanOrEqual(TAKEN_BEFORE_AT_MOST);
  });

  it("signs a deposit wallet's transaction before the derivations asked for earlier", async () => {
    const deposit = await signers.depositSigner(6);
    const answered: string[] = [];
    const tx = unsigned(0n);
    const derivations = Array.from({ length: 40 }, (_, i) =>
      signers.depositSigner(10_000 + i).then(() => answered.push('derivation')),
    );
    const sweep = deposit.sign(tx).then(() => answered.push('sweep'));
    await Promise.all([...derivations, sweep]);
    expect(answered.indexOf('sweep')).toBeLessThanOrEqual(TAKEN_BEFORE_AT_MOST);
  });

  it('signs a transaction to broadcast now before the held ones asked for earlier', async () => {
    const deposit = await signers.depositSigner(8);
    const answered: string[] = [];
    const txs = Array.from({ length: 41 }, (_, i) => unsigned(BigInt(i)));
    const held = txs.slice(1).map((tx) => deposit.sign(tx, { held: true }).then(() => answered.push('held')));
    const sweep = deposit.sign(txs[0]!).then(() => answered.push('sweep'));
    await Promise.all([...held, sweep]);
    expect(answered.indexOf('sweep')).toBeLessThanOrEqual(TAKEN_BEFORE_AT_MOST);
  });

  it("keeps signing while the worker's event loop is busy", async () => {
    const deposit = await signers.depositSigner(7);
    let answered = 0;
    const txs = Array.from({ length: 40 }, (_, i) => unsigned(BigInt(i)));
    const sweeps = txs.map((tx) => deposit.sign(tx).then(() => answered++));
    // the event loop held for 1.5 s (a burst's database work does that in slices): the thread is handed every request
    // at once and signs them meanwhile, so their answers are all waiting when the loop turns again (a thread fed a few
    // requests at a time by this loop would have signed those few)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBeGreaterThan(8);
    await Promise.all(sweeps);
  });

  it('fails a request it cannot answer alone, and answers the next', async () => {
    await expect(signers.depositSigner(2 ** 31)).rejects.toThrow(/not a deposit index/);
    expect((await signers.depositSigner(1)).address).toBe(
      HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), "m/44'/60'/0'/0/1").address,
    );
  });

  it('fails every request waiting on a thread that dies, and starts a new thread for the next', async () => {
    const wallet = await dying.depositSigner(2);
    const asked = await Promise.allSettled([wallet.sign(unsigned(666n)), wallet.sign(unsigned(1n)), wallet.sign(unsigned(2n))]);
    expect(asked[0]).toEqual({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/signer thread stopped/) }),
    });
    // those asked after the deadly one were never answered: failed too, not left waiting
    expect(asked.slice(1).map((a) => a.status)).toEqual(['rejected', 'rejected']);
    const again = unsigned(1n);
    const branch = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), "m/44'/60'/0'/0");
    expect(await wallet.sign(again)).toEqual(await ethersSigned(branch.deriveChild(2), again));
  });

  it('refuses requests once closed', async () => {
    const closing = new SignerThread(null);
    const key = closing.keySigner(Wallet.createRandom().privateKey);
    await key.sign(unsigned(0n));
    await closing.close();
    await expect(key.sign(unsigned(1n))).rejects.toThrow(/closed/);
  });
});
