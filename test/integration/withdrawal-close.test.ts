/**
 * An operator's close of a withdrawal as failed releases its hold, so it is refused (409 naming `outcome`, the workflow
 * not asked) while the withdrawal's own payout can still pay it: an EVM send not mined yet (the sender raises its fees
 * until it is), one mined and successful, an XRP payout not validated before its LastLedgerSequence, or validated.
 * A close as succeeded may not cite another withdrawal's payout, even under a hash its row does not record.
 */
import type { Client } from '@temporalio/client';
import type { JsonRpcProvider } from 'ethers';
import pino from 'pino';
import { Wallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAttempts, insertSends, recordInclusion } from '../../chains/evm/sends-store.js';
import { payoutSendKey } from '../../chains/withdrawals/evm-hot-wallet.js';
import { XrplHotWallet } from '../../chains/withdrawals/xrpl-hot-wallet.js';
import { XrplConnection } from '../../chains/xrpl/connection.js';
import { DomainError } from '../../domain/errors.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { registerCustodyAddresses } from '../../services/reconciliation/client.js';
import { closeWithdrawal } from '../../services/withdrawals/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { randomAddress } from '../support/rippled/payments.js';
import { FakeRippled } from '../support/rippled/server.js';

const XRP = 1_000_000n;
const log = pino({ level: 'silent' });
let db: TestDatabase;
let fake: FakeRippled;
let xrpl: XrplConnection;
let hotWallet: XrplHotWallet;
let userId: string;
/** The closes that reached the withdrawal's workflow (which would release the hold). */
const asked: string[] = [];

beforeAll(async () => {
  [db, fake] = await Promise.all([createTestDatabase(), FakeRippled.start()]);
  xrpl = new XrplConnection(fake.url, log);
  hotWallet = new XrplHotWallet('xrpl-hot', Wallet.generate().seed!, { sql: db.sql, xrpl, log });
  fake.fund(hotWallet.address, 100n * XRP);
  userId = (await insertUser(db.sql, { email: 'close@example.com', passwordHash: 'x', role: 'user' }))!.id;
});
afterAll(async () => {
  await xrpl?.close();
  await fake?.close();
  await db?.drop();
});

/** The withdrawal's workflow as the close reaches it: it takes the close (releasing the hold). */
const workflows = {
  workflow: {
    getHandle: (workflowId: string) => ({
      executeUpdate: async () => {
        asked.push(workflowId);
        return 'closed';
      },
    }),
  },
} as unknown as Client;

/** Payments the EVM node shows mined, by hash: a transaction and its receipt. */
const minedPayments = new Map<string, { from: string; to: string; value: bigint }>();
/** The EVM node configured here, as the close asks it: on chain 31337. */
const evmNode = {
  send: async (method: string) => (method === 'eth_chainId' ? '0x7a69' : null),
  getTransaction: async (hash: string) => minedPayments.get(hash.toLowerCase()) ?? null,
  getTransactionReceipt: async (hash: string) => (minedPayments.has(hash.toLowerCase()) ? { status: 1, logs: [] } : null),
} as unknown as JsonRpcProvider;

const close = (id: string, outcome: { outcome: 'failed' | 'succeeded'; txHash?: string }) =>
  closeWithdrawal(
    {
      sql: db.sql,
      log,
      temporal: { client: workflows, taskQueue: 'unused' },
      timings: { confirmTtlMs: 1, approvalTtlMs: 1, pollIntervalMs: 1 },
      currencies: new CurrencyCatalog(db.sql),
      chains: { evm: evmNode, xrpl },
    },
    id,
    { operatorId: 'op-1', note: 'closed by hand', ...outcome },
  );
const closeAsFailed = (id: string) => close(id, { outcome: 'failed' });

async function withdrawal(currency: 'ETH' | 'XRP', status: string, address: string): Promise<string> {
  const [row] = await db.sql`
    insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters)
    values (${userId}, ${`close-${asked.length}-${Math.random()}`}, ${currency}, 1000, 10, ${address}, ${status}, false, '[]')
    returning id`;
  return row!.id as string;
}

/** The EVM payout stored for a withdrawal, as the hot wallet's sender stores it (signed, before broadcast). */
async function storedEvmPayout(id: string, nonce: bigint, chain = 'evm-31337'): Promise<{ sendId: string; txHash: string }> {
  const txHash = `0x${nonce.toString(16).padStart(64, 'a')}`;
  return db.sql.begin(async (tx) => {
    const sends = await insertSends(tx, [
      {
        chain,
        key: payoutSendKey(id),
        purpose: 'withdrawal',
        from: '0x00000000000000000000000000000000000000a1',
        to: '0x00000000000000000000000000000000000000b2',
        value: 1000n,
        data: '0x',
        nonce,
        gasLimit: 21_000n,
        notify: [],
      },
    ]);
    const sendId = sends.get(payoutSendKey(id))!.id;
    await insertAttempts(tx, [{ sendId, attempt: 1, txHash, raw: '0x02', maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }]);
    return { sendId, txHash };
  });
}

const mined = (txHash: string, succeeded: boolean) => ({
  hash: txHash,
  blockNumber: 10n,
  blockHash: `0x${'b'.repeat(64)}`,
  succeeded,
  gasUsed: 21_000n,
  effectiveGasPrice: 1n,
});

async function refusal(id: string): Promise<DomainError> {
  const error = await closeAsFailed(id).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe("an operator's close as failed", () => {
  it('is refused while an EVM payout is not mined, or mined and successful; taken once it reverted', async () => {
    const pending = await withdrawal('ETH', 'broadcast', '0x00000000000000000000000000000000000000b2');
    const { sendId, txHash } = await storedEvmPayout(pending, 1n);
    const notMined = await refusal(pending);
    expect(notMined).toMatchObject({ code: 'conflict', issues: [{ path: 'outcome', message: expect.stringContaining(txHash) }] });
    expect(notMined.message).toMatch(/not mined yet/);

    await recordInclusion(db.sql, sendId, mined(txHash, true), true);
    expect((await refusal(pending)).message).toMatch(/paid it: close it as succeeded/);
    expect(asked).toEqual([]);

    const reverted = await withdrawal('ETH', 'failed_awaiting_operator', '0x00000000000000000000000000000000000000b2');
    const second = await storedEvmPayout(reverted, 2n);
    await recordInclusion(db.sql, second.sendId, mined(second.txHash, false), true);
    expect(await closeAsFailed(reverted)).toBe('closed');
    // nothing stored for it (every provider refused): nothing can pay it
    const unsent = await withdrawal('ETH', 'failed_awaiting_operator', '0x00000000000000000000000000000000000000b2');
    expect(await closeAsFailed(unsent)).toBe('closed');
    expect(asked).toEqual([`withdrawal:${reverted}`, `withdrawal:${unsent}`]);
  });

  it('looks for the EVM payout on the configured chain only: a send under the same key on another chain is not its', async () => {
    const elsewhere = await withdrawal('ETH', 'failed_awaiting_operator', '0x00000000000000000000000000000000000000b2');
    await storedEvmPayout(elsewhere, 3n, 'evm-1');
    const before = asked.length;
    expect(await closeAsFailed(elsewhere)).toBe('closed');
    expect(asked.slice(before)).toEqual([`withdrawal:${elsewhere}`]);
  });

  it('is refused while an XRP payout may still apply, or applied; taken once past its LastLedgerSequence', async () => {
    const address = randomAddress();
    const applied = await withdrawal('XRP', 'broadcast', address);
    fake.answerNextSubmitWith('telINSUF_FEE_P'); // signed and stored, not relayed: the blob may still apply
    await hotWallet.send({ withdrawalId: applied, currency: 'XRP', amount: 1000n, address, destinationTag: null });
    expect((await refusal(applied)).message).toMatch(/may still apply, until ledger/);
    // asked again, the hot wallet submits the same blob: it applies
    await hotWallet.send({ withdrawalId: applied, currency: 'XRP', amount: 1000n, address, destinationTag: null });
    fake.closeLedger();
    expect((await refusal(applied)).message).toMatch(/paid it: close it as succeeded/);

    const expired = await withdrawal('XRP', 'broadcast', address);
    fake.answerNextSubmitWith('terQUEUED'); // taken for later, then never applied
    await hotWallet.send({ withdrawalId: expired, currency: 'XRP', amount: 1000n, address, destinationTag: null });
    expect((await refusal(expired)).message).toMatch(/may still apply/);
    for (let i = 0; i < 25; i++) fake.closeLedger();
    const before = asked.length;
    expect(await closeAsFailed(expired)).toBe('closed');
    expect(asked.slice(before)).toEqual([`withdrawal:${expired}`]);
  });
});

describe("an operator's close as succeeded", () => {
  it("is refused citing another withdrawal's payout mined under a raised fee's hash, which that row does not record", async () => {
    const address = '0x00000000000000000000000000000000000000b2';
    const paid = await withdrawal('ETH', 'broadcast', address);
    const first = await storedEvmPayout(paid, 4n);
    await db.sql`update withdrawals set tx_hash = ${first.txHash} where id = ${paid}`;
    // the sender raised its fees: the second attempt is the one mined
    const raised = `0x${'c'.repeat(63)}4`;
    await db.sql.begin((tx) =>
      insertAttempts(tx, [
        { sendId: first.sendId, attempt: 2, txHash: raised, raw: '0x02', maxFeePerGas: 4n, maxPriorityFeePerGas: 2n },
      ]),
    );
    await recordInclusion(db.sql, first.sendId, mined(raised, true), true);
    const hotWallet = '0x00000000000000000000000000000000000000a1';
    await registerCustodyAddresses(db.sql, [
      { chain: 'evm-31337', address: hotWallet, account: 'custody:hot:evm-31337', label: 'hot' },
    ]);
    minedPayments.set(raised, { from: hotWallet, to: address, value: 1000n });

    // another withdrawal of the same amount to the same address, which nothing paid
    const unpaid = await withdrawal('ETH', 'failed_awaiting_operator', address);
    const before = asked.length;
    for (const txHash of [raised, raised.toUpperCase().replace('0X', '0x')]) {
      const error = await close(unpaid, { outcome: 'succeeded', txHash }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'payout_unproven',
        issues: [{ path: 'tx_hash', message: `${txHash} is recorded for withdrawal ${paid}` }],
      });
    }
    expect(asked.slice(before)).toEqual([]);
  });
});
