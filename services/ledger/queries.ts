/** Read side of the ledger: balances and a caller's history. */
import type { Balances } from '../../domain/ledger/engine.js';
import type { Db } from '../../platform/db/client.js';
import { toTransferRecord, type TransferRecord } from './journal.js';

export interface AccountBalances extends Balances {
  currency: string;
}

export async function balancesOf(db: Db, accountName: string): Promise<AccountBalances[]> {
  const rows = await db`
    select currency, debits_posted, credits_posted, debits_pending, credits_pending
    from ledger_accounts where name = ${accountName} order by currency`;
  return rows.map((r) => ({
    currency: r.currency as string,
    debitsPosted: r.debitsPosted as bigint,
    creditsPosted: r.creditsPosted as bigint,
    debitsPending: r.debitsPending as bigint,
    creditsPending: r.creditsPending as bigint,
  }));
}

export async function balanceOf(db: Db, accountName: string, currency: string): Promise<AccountBalances> {
  const found = (await balancesOf(db, accountName)).find((b) => b.currency === currency);
  return found ?? { currency, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n };
}

/** Newest first; `before` is the id of the last transfer of the previous page. */
export async function transfersOf(
  db: Db,
  accountName: string,
  page: { before?: string; limit: number; currency?: string },
): Promise<TransferRecord[]> {
  // newest entries on each side, each an index range scan on (account, id), then merged
  const accounts = db`select id from ledger_accounts where name = ${accountName} ${page.currency ? db`and currency = ${page.currency}` : db``}`;
  const before = page.before ? db`and id < ${page.before}` : db``;
  const rows = await db`
    select t.id, t.key, t.kind, t.pending_key, da.name as debit, ca.name as credit, t.currency, t.amount,
           t.metadata, t.created_at
    from ledger_transfers t
    join ledger_accounts da on da.id = t.debit_account_id
    join ledger_accounts ca on ca.id = t.credit_account_id
    where t.id in (
      (select id from ledger_transfers where debit_account_id in (${accounts}) ${before} order by id desc limit ${page.limit})
      union
      (select id from ledger_transfers where credit_account_id in (${accounts}) ${before} order by id desc limit ${page.limit}))
    order by t.id desc
    limit ${page.limit}`;
  return rows.map(toTransferRecord);
}

export async function transferByKey(db: Db, key: string): Promise<TransferRecord | null> {
  const [row] = await db`
    select t.id, t.key, t.kind, t.pending_key, da.name as debit, ca.name as credit, t.currency, t.amount,
           t.metadata, t.created_at
    from ledger_transfers t
    join ledger_accounts da on da.id = t.debit_account_id
    join ledger_accounts ca on ca.id = t.credit_account_id
    where t.key = ${key}`;
  return row ? toTransferRecord(row) : null;
}

/**
 * Per currency, what Sluice owes its users (their posted balances, and payments held on their invoices until those
 * settle: `owed_to_users`, migration 1012) next to what its wallets hold by the books
 * (custody accounts are debit-normal: debits minus credits).
 */
export async function liabilitiesAndCustody(db: Db): Promise<Array<{ currency: string; liabilities: bigint; custody: bigint }>> {
  const rows = await db`
    select currency,
      coalesce(sum(credits_posted - debits_posted) filter (where owed_to_users(name)), 0)::text as liabilities,
      coalesce(sum(debits_posted - credits_posted) filter (where name like 'custody:%'), 0)::text as custody
    from ledger_accounts group by currency order by currency`;
  return rows.map((r) => ({ currency: r.currency as string, liabilities: BigInt(r.liabilities), custody: BigInt(r.custody) }));
}
