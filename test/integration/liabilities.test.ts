/**
 * What Sluice owes its users, in the liabilities report and on the console's dashboard: their balances and the payments
 * held on their invoices until those settle. A payment to an invoice is custody the moment it is credited, and owed to
 * the merchant: left out, custody showed a surplus of it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceAccount } from '../../domain/invoices/ledger.js';
import { liabilitiesAndCustody } from '../../services/ledger/queries.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { reportFileChunks } from '../../services/reports/file-store.js';
import { generateReport } from '../../services/reports/generate.js';
import { insertReport } from '../../services/reports/store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('liabilities', () => {
  it("count the payments held on invoices with users' balances: custody covers both, no more", async () => {
    const ledger = new LedgerWriter(db.sql);
    // a user's deposit and a payment to an invoice not settled yet, both on the hot wallet
    const hot = 'custody:hot:evm-31337';
    const credits = [
      { key: 'liabilities:deposit', credit: `user:${randomUUID()}`, amount: 2_000_000n },
      { key: 'liabilities:invoice-payment', credit: invoiceAccount('42'), amount: 500_000n },
    ];
    const outcome = await ledger.submit({
      transfers: credits.map((c) => ({ kind: 'posted' as const, debit: hot, currency: 'USDT', ...c })),
    });
    expect(outcome.ok).toBe(true);

    const usdt = (await liabilitiesAndCustody(db.sql)).find((b) => b.currency === 'USDT');
    expect(usdt).toEqual({ currency: 'USDT', liabilities: 2_500_000n, custody: 2_500_000n });

    const report = await insertReport(db.sql, {
      id: randomUUID(),
      type: 'liabilities',
      format: 'csv',
      period: { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      workflowId: `report:${randomUUID()}`,
      emailTo: null,
    });
    await generateReport(db.sql, report);
    const chunks: Buffer[] = [];
    for await (const chunk of reportFileChunks(db.sql, report.id)) chunks.push(chunk);
    const line = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .find((l) => l.startsWith('USDT,'));
    expect(line?.split(',').slice(2)).toEqual(['2.500000', '2.500000', '0.000000']);
  });
});
