/**
 * The XRPL side of reconciliation describes the ledger the listener has recorded up to (its checkpoint): a payment
 * validated after it and not recorded yet is on neither side, so it is no drift; once recorded and booked, while the
 * checkpoint is still behind it, the booking is explained; once the checkpoint passes it, both sides hold it. The
 * balance is read with account_info at the checkpoint's ledger from the rippled double.
 */
import pino from 'pino';
import { Wallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XrplConnection } from '../../chains/xrpl/connection.js';
import { hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { classifyDrift } from '../../domain/reconciliation/drift.js';
import type { XrplPayment } from '../../domain/xrpl-tracking/payments.js';
import { bookXrplTopUps } from '../../services/reconciliation/booking.js';
import { creditDeposit } from '../../services/deposits/store.js';
import { destinationTagOf } from '../../services/deposits/xrpl-destination-tags.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { registerCustodyAddresses } from '../../services/reconciliation/client.js';
import { custodyPositions } from '../../services/reconciliation/positions.js';
import { ensureDepositAccount, recordBackfillCompleted, watchAccount } from '../../services/xrpl-tracking/accounts-store.js';
import { storePayments } from '../../services/xrpl-tracking/store-payments.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { randomAddress, xrpPayment } from '../support/rippled/payments.js';
import { FakeRippled } from '../support/rippled/server.js';

const XRP = 1_000_000n;
const hotWallet = Wallet.generate().classicAddress;
const outsider = randomAddress();
let fake: FakeRippled;
let db: TestDatabase;
let xrpl: XrplConnection;

beforeAll(async () => {
  [fake, db] = await Promise.all([FakeRippled.start(), createTestDatabase()]);
  xrpl = new XrplConnection(fake.url, pino({ level: 'silent' }));
  await registerCustodyAddresses(db.sql, [
    { chain: XRPL_CHAIN, address: hotWallet, account: hotCustodyAccount(XRPL_CHAIN), label: 'hot wallet' },
  ]);
  await watchAccount(db.sql, { address: hotWallet, label: 'hot wallet' });
});
afterAll(async () => {
  await xrpl?.close();
  await fake?.close();
  await db?.drop();
});

/** An outsider pays a custody wallet: validated in the next ledger, the payment as the listener would record it. */
function pay(to: string, drops: bigint, tag: bigint | null = null): XrplPayment {
  fake.fund(to, drops);
  const payment = xrpPayment({ from: outsider, to, drops, tag: tag === null ? undefined : Number(tag) });
  const ledgerIndex = fake.closeLedger([payment]);
  return {
    hash: payment.tx.hash as string,
    ledgerIndex,
    transactionIndex: 0,
    closeTime: new Date(),
    source: outsider,
    destination: to,
    destinationTag: tag,
    sourceTag: null,
    result: 'tesSUCCESS',
    partial: false,
    delivered: { kind: 'xrp', drops },
  };
}

async function hotXrpLine() {
  const { positions } = await custodyPositions(db.sql, null, xrpl);
  return classifyDrift(
    positions.find((p) => p.account === hotCustodyAccount(XRPL_CHAIN) && p.currency === 'XRP')!,
    0n,
  );
}

describe("XRPL custody read at the listener's checkpoint", () => {
  it('shows no drift for a payment validated after the checkpoint, recorded or not, and holds it once passed', async () => {
    const opening = pay(hotWallet, 1_000n * XRP);
    await storePayments(db.sql, [opening]);
    await recordBackfillCompleted(db.sql, hotWallet, opening.ledgerIndex);
    await bookXrplTopUps(db.sql);
    expect(await hotXrpLine()).toMatchObject({ chain: '1000000000', ledger: '1000000000', unexplained: '0' });

    // validated, and the listener has not recorded it yet: the newest validated ledger holds it, the books not
    const late = pay(hotWallet, 500n * XRP);
    expect(fake.balanceOf(hotWallet)).toBe(1_500n * XRP);
    expect(await hotXrpLine()).toMatchObject({ chain: '1000000000', drift: '0', unexplained: '0', alert: false });

    // recorded and booked, its checkpoint written with a later batch: the ledger holds it, the checkpoint's balance not
    await storePayments(db.sql, [late]);
    await bookXrplTopUps(db.sql);
    expect(await hotXrpLine()).toMatchObject({
      chain: '1000000000',
      ledger: '1500000000',
      inFlight: '-500000000',
      unexplained: '0',
      alert: false,
    });

    await storePayments(db.sql, [], { addresses: [hotWallet], ledger: late.ledgerIndex });
    expect(await hotXrpLine()).toMatchObject({ chain: '1500000000', ledger: '1500000000', inFlight: '0', drift: '0' });
  });

  it('counts a deposit validated after the checkpoint neither as awaiting nor, once credited, as drift', async () => {
    const depositAddress = Wallet.generate().classicAddress;
    await registerCustodyAddresses(db.sql, [
      { chain: XRPL_CHAIN, address: depositAddress, account: hotCustodyAccount(XRPL_CHAIN), label: 'deposit address' },
    ]);
    await ensureDepositAccount(db.sql, depositAddress);
    await recordBackfillCompleted(db.sql, depositAddress, fake.validatedLedger);
    const userId = (await insertUser(db.sql, { email: 'xrpl-late-depositor@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const tag = await destinationTagOf(db.sql, userId);
    const before = await hotXrpLine();

    const deposit = pay(depositAddress, 25n * XRP, tag);
    expect(await hotXrpLine()).toMatchObject({ chain: before.chain, awaitingConfirmations: '0', unexplained: '0' });

    const [recorded] = (await storePayments(db.sql, [deposit])).deposits;
    expect(await hotXrpLine()).toMatchObject({ chain: before.chain, awaitingConfirmations: '0', unexplained: '0' });
    expect((await creditDeposit(db.sql, recorded!.depositId)).ok).toBe(true);
    expect(await hotXrpLine()).toMatchObject({ chain: before.chain, inFlight: '-25000000', unexplained: '0', alert: false });

    await storePayments(db.sql, [], { addresses: [depositAddress], ledger: deposit.ledgerIndex });
    expect(await hotXrpLine()).toMatchObject({ inFlight: '0', drift: '0', unexplained: '0' });
  });

  it('reads a wallet whose checkpoint the server no longer keeps at the newest ledger, counting nothing after it', async () => {
    const before = await hotXrpLine();
    await db.sql`update xrpl_accounts set complete_through_ledger = ${fake.firstLedger - 1} where address = ${hotWallet}`;
    expect(await hotXrpLine()).toMatchObject({ chain: before.chain, ledger: before.ledger, inFlight: '0', unexplained: '0' });
  });
});
