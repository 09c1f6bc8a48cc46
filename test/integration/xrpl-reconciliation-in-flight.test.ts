/**
 * An XRPL deposit recorded by the listener and not credited yet: the deposit address already holds it (its balance is
 * read at the newest validated ledger: no listener checkpoint here) while its workflow credits it, a moment later. The reconciliation counts it as
 * awaiting (seen, not credited), so it is no drift, until it stays uncredited past XRPL_CREDIT_BOUND_MS: then it is
 * unexplained and alerts, as a stuck credit must. The XRP Ledger is a stand-in answering the wallet's balance.
 */
import { Wallet as XrplWallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XrplConnection } from '../../chains/xrpl/connection.js';
import { hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { classifyDrift, XRPL_CREDIT_BOUND_MS } from '../../domain/reconciliation/drift.js';
import { creditDeposit, recordDeposit } from '../../services/deposits/store.js';
import { registerCustodyAddresses } from '../../services/reconciliation/client.js';
import { custodyPositions } from '../../services/reconciliation/positions.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const depositAddress = XrplWallet.generate().classicAddress;
const DROPS = 25_000_000n;

/** The validated ledger's word on the deposit address: it holds the deposit, credited or not. */
const ledgerHolding = (balance: bigint) =>
  ({
    connected: async () => ({ request: async () => ({ result: { account_data: { Balance: balance.toString() } } }) }),
  }) as unknown as XrplConnection;

async function hotXrpLine() {
  const { positions } = await custodyPositions(db.sql, null, ledgerHolding(DROPS));
  const position = positions.find((p) => p.account === hotCustodyAccount(XRPL_CHAIN) && p.currency === 'XRP')!;
  return classifyDrift(position, 0n);
}

describe('an XRPL deposit recorded and not credited yet', () => {
  it('is awaiting, not drift; past the bound it is unexplained; once credited the books match', async () => {
    await registerCustodyAddresses(db.sql, [
      { chain: XRPL_CHAIN, address: depositAddress, account: hotCustodyAccount(XRPL_CHAIN), label: 'deposit address' },
    ]);
    const userId = (await insertUser(db.sql, { email: 'xrpl-depositor@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const deposit = await recordDeposit(db.sql, {
      userId,
      currency: 'XRP',
      amount: DROPS,
      chain: XRPL_CHAIN,
      txHash: 'A1'.repeat(32),
      eventIndex: 0,
      address: depositAddress,
      destinationTag: 7n,
      workflowId: `deposit:xrpl:${'A1'.repeat(32)}:0`,
    });

    expect(await hotXrpLine()).toMatchObject({
      drift: '25000000',
      awaitingConfirmations: '25000000',
      unexplained: '0',
      alert: false,
    });

    // its credit never came: the workflow did not start, or keeps failing
    await db.sql`update deposits set detected_at = now() - ${`${XRPL_CREDIT_BOUND_MS + 1000} milliseconds`}::interval
      where id = ${deposit.id}`;
    expect(await hotXrpLine()).toMatchObject({ awaitingConfirmations: '0', unexplained: '25000000', alert: true });

    await creditDeposit(db.sql, deposit.id);
    expect(await hotXrpLine()).toMatchObject({ ledger: '25000000', drift: '0', unexplained: '0', alert: false });
  });
});
