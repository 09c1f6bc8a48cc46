/**
 * The XRP hot wallet paying withdrawals through the real xrpl.js client, against the rippled double; and the proof an
 * operator's close as succeeded needs, read from the ledger.
 */
import pino from 'pino';
import { Wallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XrplConnection } from '../../chains/xrpl/connection.js';
import { XrplHotWallet, payoutKey } from '../../chains/withdrawals/xrpl-hot-wallet.js';
import { ProviderRefusedError } from '../../chains/withdrawals/provider.js';
import { payoutByKey } from '../../chains/withdrawals/xrpl-payouts-store.js';
import { xrplPayoutProof } from '../../chains/withdrawals/payout-proof.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { failedPayment, randomAddress, randomHash } from '../support/rippled/payments.js';
import { FakeRippled } from '../support/rippled/server.js';

const XRP = 1_000_000n;
let fake: FakeRippled;
let db: TestDatabase;
let xrpl: XrplConnection;
let wallet: XrplHotWallet;
let n = 0;

beforeAll(async () => {
  [fake, db] = await Promise.all([FakeRippled.start(), createTestDatabase()]);
  xrpl = new XrplConnection(fake.url, pino({ level: 'silent' }));
  wallet = new XrplHotWallet('xrpl-hot', Wallet.generate().seed!, { sql: db.sql, xrpl, log: pino({ level: 'silent' }) });
  fake.fund(wallet.address, 100n * XRP);
});
afterAll(async () => {
  await xrpl?.close();
  await fake?.close();
  await db?.drop();
});

const payout = (amount: bigint, address = randomAddress(), destinationTag: bigint | null = null) => ({
  withdrawalId: `w-${++n}`,
  currency: 'XRP',
  amount,
  address,
  destinationTag,
});

describe('XRP hot wallet', () => {
  it('pays once, stores the signed transaction first, and confirms from the validated ledger', async () => {
    const request = payout(25n * XRP, randomAddress(), 12345n);
    const { txHash } = await wallet.send(request);
    const stored = await payoutByKey(db.sql, payoutKey(request.withdrawalId));
    expect(stored).toMatchObject({ txHash, status: 'submitted', engineResult: 'tesSUCCESS', account: wallet.address });
    expect(await wallet.check(request.withdrawalId, txHash)).toEqual({ state: 'pending', confirmations: 0 });

    fake.closeLedger();
    expect(await wallet.check(request.withdrawalId, txHash)).toEqual({ state: 'confirmed', confirmations: 1 });
    expect(fake.balanceOf(request.address)).toBe(25n * XRP);

    // asked again (a retried activity): the same transaction, not a second payment
    expect(await wallet.send(request)).toEqual({ txHash });
    fake.closeLedger();
    expect(fake.balanceOf(request.address)).toBe(25n * XRP);
  });

  it('answers the stored transaction after a submission the server did not relay, and resubmits it until it applies, once', async () => {
    const request = payout(5n * XRP);
    fake.answerNextSubmitWith('telINSUF_FEE_P');
    const { txHash } = await wallet.send(request);
    const stored = await payoutByKey(db.sql, payoutKey(request.withdrawalId));
    expect(stored).toMatchObject({ txHash, status: 'signed' });
    // the workflow waits on the ledger for it: the check submits the stored blob again
    expect(await wallet.check(request.withdrawalId, txHash)).toEqual({ state: 'pending', confirmations: 0 });
    fake.closeLedger();
    expect(await wallet.check(request.withdrawalId, txHash)).toMatchObject({ state: 'confirmed' });
    expect(await wallet.send(request)).toEqual({ txHash });
    fake.closeLedger();
    expect(fake.balanceOf(request.address)).toBe(5n * XRP);
  });

  it('answers the stored transaction when the answer to its submission is lost: it may have applied, so it is awaited', async () => {
    const request = payout(6n * XRP);
    fake.loseAnswerToNextSubmit(); // applied, the connection dropped before the answer
    const { txHash } = await wallet.send(request);
    expect((await payoutByKey(db.sql, payoutKey(request.withdrawalId)))?.txHash).toBe(txHash);
    fake.closeLedger();
    expect(await wallet.check(request.withdrawalId, txHash)).toMatchObject({ state: 'confirmed' });
    expect(fake.balanceOf(request.address)).toBe(6n * XRP);
  });

  it('refuses, storing nothing, when the balance above the reserve does not cover the payout', async () => {
    const request = payout(1_000n * XRP);
    await expect(wallet.send(request)).rejects.toBeInstanceOf(ProviderRefusedError);
    expect(await payoutByKey(db.sql, payoutKey(request.withdrawalId))).toBeNull();
  });

  it('refuses for good when the ledger calls the transaction malformed', async () => {
    const request = payout(1n * XRP);
    fake.answerNextSubmitWith('temBAD_FEE');
    await expect(wallet.send(request)).rejects.toBeInstanceOf(ProviderRefusedError);
    expect((await payoutByKey(db.sql, payoutKey(request.withdrawalId)))?.status).toBe('rejected');
    await expect(wallet.send(request)).rejects.toBeInstanceOf(ProviderRefusedError);
  });

  it('reports a transaction that missed its LastLedgerSequence as failed, never as pending forever', async () => {
    const request = payout(1n * XRP);
    fake.answerNextSubmitWith('terQUEUED'); // accepted for later, then never applied
    const { txHash } = await wallet.send(request);
    const stored = (await payoutByKey(db.sql, payoutKey(request.withdrawalId)))!;
    while (fake.validatedLedger <= stored.lastLedgerSequence) fake.closeLedger();
    expect(await wallet.check(request.withdrawalId, txHash)).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/LastLedgerSequence/),
    });
  });

  it('gives payouts sent at once different sequences, so each of them applies', async () => {
    const requests = Array.from({ length: 4 }, () => payout(2n * XRP));
    const sent = await Promise.all(requests.map((r) => wallet.send(r)));
    fake.closeLedger();
    for (const [i, request] of requests.entries()) {
      expect(await wallet.check(request.withdrawalId, sent[i]!.txHash)).toMatchObject({ state: 'confirmed' });
      expect(fake.balanceOf(request.address)).toBe(2n * XRP);
    }
  });

  it('proves a payout only by a validated, successful payment of a hot wallet delivering its amount to its address and tag', async () => {
    const request = payout(3n * XRP, randomAddress(), 77n);
    const expected = {
      address: request.address,
      amount: request.amount,
      destinationTag: 77n,
      tokenContract: null,
      payers: [wallet.address],
    };
    const { txHash } = await wallet.send(request);
    expect(await xrplPayoutProof(xrpl, expected, txHash)).toEqual({ paid: false, reason: 'is not in the ledger' });
    fake.closeLedger();
    expect(await xrplPayoutProof(xrpl, expected, txHash)).toEqual({ paid: true });
    expect(await xrplPayoutProof(xrpl, expected, txHash.toLowerCase())).toEqual({ paid: true });
    const elsewhere = { paid: false, reason: "does not deliver the withdrawal's amount to its address and destination tag" };
    expect(await xrplPayoutProof(xrpl, { ...expected, destinationTag: 78n }, txHash)).toEqual(elsewhere);
    expect(await xrplPayoutProof(xrpl, { ...expected, destinationTag: null }, txHash)).toEqual(elsewhere);
    expect(await xrplPayoutProof(xrpl, { ...expected, amount: 4n * XRP }, txHash)).toEqual(elsewhere);
    expect(await xrplPayoutProof(xrpl, { ...expected, address: randomAddress() }, txHash)).toEqual(elsewhere);
    // the same payment from a wallet that is not ours: hot custody did not pay it
    expect(await xrplPayoutProof(xrpl, { ...expected, payers: [randomAddress()] }, txHash)).toEqual({
      paid: false,
      reason: `was sent by ${wallet.address}, not by one of our hot wallets`,
    });

    const failed = failedPayment({ from: wallet.address, to: request.address, tag: 77 });
    fake.closeLedger([failed]);
    expect(await xrplPayoutProof(xrpl, expected, failed.tx.hash as string)).toEqual({
      paid: false,
      reason: `failed on the ledger (${failed.meta.TransactionResult}): it paid nothing`,
    });
    expect(await xrplPayoutProof(xrpl, expected, randomHash())).toEqual({ paid: false, reason: 'is not in the ledger' });
    expect(await xrplPayoutProof(xrpl, expected, `0x${txHash}`)).toEqual({
      paid: false,
      reason: 'is not an XRPL transaction hash (64 hex digits)',
    });
  });
});
