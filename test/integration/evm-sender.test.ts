/**
 * The sender on a real anvil of its own and a real database: signed transactions are stored before they are
 * broadcast (a failed broadcast is retried with the stored transaction, never a new one), or held stored until sent,
 * nonces never collide, a batch does not wait for the one being written, a key in two batches at once is signed once,
 * and a transaction not mined in time is resubmitted with higher fees on the same nonce.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet, parseEther, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvmSender } from '../../chains/evm/sender.js';
import { SignerThread } from '../../chains/evm/signer-thread.js';
import type { Send } from '../../chains/evm/sends-store.js';
import type { UnsignedTx } from '../../chains/evm/tx-signing.js';
import { quoteFees } from '../../chains/evm/provider.js';
import { NATIVE_TRANSFER_GAS } from '../../domain/collection/rules.js';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { setBalance, testProvider } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';

let anvil: AnvilChain;
let provider: JsonRpcProvider;
let db: TestDatabase;
let sender: EvmSender;
const signers = new SignerThread(null);
/** A new key, signing in the signer thread as the worker's keys do. */
const newSigner = () => signers.keySigner(Wallet.createRandom().privateKey);

beforeAll(async () => {
  [anvil, db] = await Promise.all([startOwnAnvil('anvil-sender'), createTestDatabase()]);
  provider = testProvider(anvil.rpcUrl);
  sender = new EvmSender({ sql: db.sql, provider, chain: 'evm-31337', chainId: 31337n, confirmations: 2 });
  // postgres.js learns the array types when it first connects: an array passed by a pool's very first query goes as text
  await db.sql`select 1`;
});
afterAll(async () => {
  provider?.destroy();
  await Promise.all([anvil?.stop(), db?.drop(), signers.close()]);
});

const transfer = async (key: string, to: string, value: bigint) => ({
  key,
  purpose: 'test',
  to,
  value,
  gasLimit: NATIVE_TRANSFER_GAS,
  fees: await quoteFees(provider),
});

/** Runs `run` with anvil mining a block only when asked (`evm_mine`), not one per transaction as it arrives. */
async function withoutAutomine(run: () => Promise<void>): Promise<void> {
  await provider.send('evm_setAutomine', [false]);
  try {
    await run();
  } finally {
    await provider.send('evm_setAutomine', [true]);
  }
}

describe('EvmSender', () => {
  it('stores the signed transaction before broadcasting, and sends the stored one when asked again', async () => {
    const signer = newSigner();
    const to = Wallet.createRandom().address;
    // the node refuses the broadcast (no funds): as if the worker died right after storing
    await expect(sender.send(signer, await transfer('crash:1', to, 1_000n))).rejects.toThrow(/insufficient funds/i);
    const [stored] =
      await db.sql`select s.nonce, a.tx_hash, a.broadcast_at from evm_sends s join evm_send_attempts a on a.send_id = s.id where s.key = 'crash:1'`;
    expect(stored).toMatchObject({ nonce: '0', broadcastAt: null });

    await setBalance(provider, signer.address, parseEther('1'));
    const again = await sender.send(signer, await transfer('crash:1', to, 999_999n)); // different request, same key
    expect(again.attempts.map((a) => a.txHash)).toEqual([stored!.txHash]);
    expect(again.value).toBe(1_000n);
    const receipt = await provider.waitForTransaction(stored!.txHash as string);
    expect(receipt?.status).toBe(1);
    expect(await provider.getBalance(to)).toBe(1_000n);

    await sender.send(signer, await transfer('crash:1', to, 1_000n));
    expect(await provider.getTransactionCount(signer.address)).toBe(1);
    expect(await provider.getBalance(to)).toBe(1_000n);
  });

  it('broadcasts at once a stored transaction that was never broadcast, without waiting for it to go stale', async () => {
    const signer = newSigner();
    const to = Wallet.createRandom().address;
    await expect(sender.send(signer, await transfer('unsent:1', to, 7n))).rejects.toThrow(/insufficient funds/i);
    await setBalance(provider, signer.address, parseEther('1'));
    const [open] = await sender.reconcile(signer, { staleAfterMs: 60_000, bump: true });
    expect(open!.attempts).toHaveLength(1); // sent as stored, not bumped
    expect((await provider.waitForTransaction(open!.attempts[0]!.txHash))?.status).toBe(1);
    expect(await provider.getBalance(to)).toBe(7n);
  });

  it('holds a transaction stored and unbroadcast, then broadcasts it as stored when sent, once', async () => {
    const signer = newSigner();
    const to = Wallet.createRandom().address;
    // unfunded: the node would refuse it (a token sweep before its gas funding is mined)
    const held = await sender.hold(signer, await transfer('held:1', to, 3_000n));
    expect(held.attempts).toEqual([expect.objectContaining({ broadcastAt: null })]);
    expect(await provider.getTransaction(held.attempts[0]!.txHash)).toBeNull();
    const again = await sender.hold(signer, await transfer('held:1', to, 4_000n)); // held again: nothing new
    expect(again.attempts.map((a) => a.txHash)).toEqual([held.attempts[0]!.txHash]);

    await setBalance(provider, signer.address, parseEther('1'));
    const sent = await sender.send(signer, await transfer('held:1', to, 5_000n));
    expect(sent.attempts.map((a) => a.txHash)).toEqual([held.attempts[0]!.txHash]);
    expect((await provider.waitForTransaction(held.attempts[0]!.txHash))?.status).toBe(1);
    const [attempt] = await db.sql`
      select a.broadcast_at from evm_sends s join evm_send_attempts a on a.send_id = s.id where s.key = 'held:1'`;
    expect(attempt!.broadcastAt).toBeInstanceOf(Date);
    await sender.send(signer, await transfer('held:1', to, 5_000n));
    expect(await provider.getTransactionCount(signer.address)).toBe(1);
    expect(await provider.getBalance(to)).toBe(3_000n);
  });

  it('writes a batch of sends asked for while another is being written without waiting for it', async () => {
    const slow = newSigner();
    const quick = newSigner();
    await Promise.all([slow, quick].map((s) => setBalance(provider, s.address, parseEther('1'))));
    let release = () => {};
    const signing = new Promise<void>((resolve) => (release = resolve));
    // its signature waits until released: its batch is being written meanwhile
    const stalled = { address: slow.address, sign: async (tx: UnsignedTx) => (await signing, slow.sign(tx)) };
    const to = Wallet.createRandom().address;
    const first = sender.send(stalled, await transfer('inflight:slow', to, 1n));
    await sleep(100);
    const second = await sender.send(quick, await transfer('inflight:quick', to, 2n));
    expect((await provider.waitForTransaction(second.attempts[0]!.txHash))?.status).toBe(1);
    release();
    expect((await provider.waitForTransaction((await first).attempts[0]!.txHash))?.status).toBe(1);
    expect(await provider.getBalance(to)).toBe(3n);
  });

  it('signs a key asked for in two batches at once once: the second finds it stored and neither fails', async () => {
    const signer = newSigner();
    await setBalance(provider, signer.address, parseEther('1'));
    let release = () => {};
    const signing = new Promise<void>((resolve) => (release = resolve));
    // the first batch holds its nonce lock while it signs; the second reads the key unstored, then waits on that lock
    const stalled = { address: signer.address, sign: async (tx: UnsignedTx) => (await signing, signer.sign(tx)) };
    const to = Wallet.createRandom().address;
    const first = sender.send(stalled, await transfer('twice:1', to, 5n));
    await sleep(100);
    const second = sender.send(stalled, await transfer('twice:1', to, 5n));
    await sleep(100);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(b.id).toBe(a.id);
    expect(b.attempts.map((t) => t.txHash)).toEqual(a.attempts.map((t) => t.txHash));
    expect((await provider.waitForTransaction(a.attempts[0]!.txHash))?.status).toBe(1);
    expect(await provider.getTransactionCount(signer.address)).toBe(1);
    expect(await provider.getBalance(to)).toBe(5n);
  });

  it('hands out every nonce once when many sends from one key run at once', async () => {
    const signer = newSigner();
    await setBalance(provider, signer.address, parseEther('1'));
    const to = Wallet.createRandom().address;
    const sends = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => sender.send(signer, await transfer(`many:${i}`, to, 1n + BigInt(i)))),
    );
    expect(new Set(sends.map((s) => s.nonce)).size).toBe(20);
    await Promise.all(sends.map((s) => provider.waitForTransaction(s.attempts[0]!.txHash)));
    expect(await provider.getTransactionCount(signer.address)).toBe(20);
    expect(await provider.getBalance(to)).toBe(210n);
  });

  it('sends from many keys asked for at once in one batch: one that fails fails alone, and asked again each goes once', async () => {
    const to = Wallet.createRandom().address;
    const signers = Array.from({ length: 30 }, newSigner);
    const unfunded = signers[7]!;
    await Promise.all(signers.filter((s) => s !== unfunded).map((s) => setBalance(provider, s.address, parseEther('1'))));
    const ask = () =>
      Promise.allSettled(signers.map(async (signer, i) => sender.send(signer, await transfer(`batch:${i}`, to, 1n))));

    const first = await ask();
    expect(first.filter((r) => r.status === 'rejected')).toEqual([
      { status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/insufficient funds/i) }) },
    ]);
    expect(first[7]!.status).toBe('rejected');
    // every send was stored before any broadcast, the failed one too (as if the worker died before sending it)
    const stored = await db.sql`
      select s.key, a.broadcast_at from evm_sends s join evm_send_attempts a on a.send_id = s.id where s.key like 'batch:%'`;
    expect(stored).toHaveLength(30);
    expect(stored.filter((r) => r.broadcastAt === null).map((r) => r.key)).toEqual(['batch:7']);

    await setBalance(provider, unfunded.address, parseEther('1'));
    const again = await ask();
    expect(again.every((r) => r.status === 'fulfilled')).toBe(true);
    const sends = again.map((r) => (r as PromiseFulfilledResult<Send>).value);
    expect(sends.map((s) => s.attempts.length)).toEqual(signers.map(() => 1)); // the stored transactions, not new ones
    await Promise.all(sends.map((s) => provider.waitForTransaction(s.attempts[0]!.txHash)));
    const counts = await Promise.all(signers.map((s) => provider.getTransactionCount(s.address)));
    expect(counts).toEqual(signers.map(() => 1));
    expect(await provider.getBalance(to)).toBe(30n);
  });

  it('resubmits a transaction not mined in time with higher fees on the same nonce; only one is ever mined', async () => {
    const signer = newSigner();
    await setBalance(provider, signer.address, parseEther('1'));
    const to = Wallet.createRandom().address;
    await withoutAutomine(async () => {
      const first = await sender.send(signer, await transfer('stuck:1', to, 5n));
      expect(await sender.reconcile(signer, { staleAfterMs: 60_000, bump: true })).toEqual([
        expect.objectContaining({ key: 'stuck:1' }),
      ]);
      expect((await sender.stateOf('stuck:1'))!.send.attempts).toHaveLength(1); // not stale yet: left alone
      const [bumped] = await sender.reconcile(signer, { staleAfterMs: 0, bump: true });
      expect(bumped!.attempts).toHaveLength(2);
      expect(bumped!.nonce).toBe(first.nonce);
      expect(bumped!.attempts[1]!.maxFeePerGas).toBeGreaterThan(first.attempts[0]!.maxFeePerGas);
      expect(bumped!.attempts[1]!.maxPriorityFeePerGas).toBeGreaterThan(first.attempts[0]!.maxPriorityFeePerGas);

      await provider.send('evm_mine', []);
      expect(await provider.getTransactionReceipt(first.attempts[0]!.txHash)).toBeNull();
      expect((await provider.getTransactionReceipt(bumped!.attempts[1]!.txHash))?.status).toBe(1);
      expect(await sender.stateOf('stuck:1')).toMatchObject({ confirmed: false, confirmations: 1 });
      await provider.send('evm_mine', []);
      const final = await sender.stateOf('stuck:1');
      expect(final).toMatchObject({ confirmed: true, send: { status: 'confirmed', minedHash: bumped!.attempts[1]!.txHash } });
      expect(await provider.getBalance(to)).toBe(5n);
      expect(await sender.reconcile(signer, { staleAfterMs: 0, bump: true })).toEqual([]);
    });
  });
});
