/** The XRPL accounts Sluice watches: added and removed by operators, the company's deposit address among them. */
import type { Db, Sql } from '../../platform/db/client.js';

export interface XrplAccount {
  address: string;
  label: string | null;
  isDepositAddress: boolean;
  completeThroughLedger: number | null;
  backfilledAt: Date | null;
  createdAt: Date;
}

const toAccount = (r: Record<string, unknown>): XrplAccount => ({
  address: r.address as string,
  label: (r.label as string | null) ?? null,
  isDepositAddress: r.isDepositAddress as boolean,
  completeThroughLedger: r.completeThroughLedger === null ? null : Number(r.completeThroughLedger),
  backfilledAt: (r.backfilledAt as Date | null) ?? null,
  createdAt: r.createdAt as Date,
});

/** Starts watching an address; null if it is already watched. */
export async function watchAccount(db: Db, account: { address: string; label: string | null }): Promise<XrplAccount | null> {
  const [row] = await db`
    insert into xrpl_accounts (address, label) values (${account.address}, ${account.label})
    on conflict (address) do nothing returning *`;
  return row ? toAccount(row) : null;
}

/** The configured deposit address is always watched, and marked so payments to it are matched to users. */
export async function ensureDepositAccount(db: Db, address: string): Promise<void> {
  await db`
    insert into xrpl_accounts (address, label, is_deposit_address) values (${address}, 'deposits', true)
    on conflict (address) do update set is_deposit_address = true where xrpl_accounts.is_deposit_address = false`;
}

export async function accountByAddress(db: Db, address: string): Promise<XrplAccount | null> {
  const [row] = await db`select * from xrpl_accounts where address = ${address}`;
  return row ? toAccount(row) : null;
}

export async function listAccounts(db: Db, page: { after?: string; limit: number }): Promise<XrplAccount[]> {
  const rows = await db`
    select * from xrpl_accounts ${page.after ? db`where address > ${page.after}` : db``}
    order by address limit ${page.limit}`;
  return rows.map(toAccount);
}

/** Every watched address with how far its history is known to be complete: what the listener subscribes to. */
export async function watchedAccounts(db: Db): Promise<Map<string, number | null>> {
  const rows = await db`select address, complete_through_ledger from xrpl_accounts`;
  return new Map(
    rows.map((r) => [r.address as string, r.completeThroughLedger === null ? null : Number(r.completeThroughLedger)]),
  );
}

/**
 * Stops watching an address and removes its payments, except those that still concern another watched account
 * (a payment between two watched accounts stays with the other one). False if it was not watched.
 */
export async function unwatchAccount(sql: Sql, address: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    const deleted = await tx`delete from xrpl_accounts where address = ${address} returning address`;
    if (deleted.length === 0) return false;
    await tx`
      delete from xrpl_payments p where (p.source = ${address} or p.destination = ${address})
        and not exists (select 1 from xrpl_accounts a where a.address in (p.source, p.destination))`;
    return true;
  });
}

/** A completed backfill: the account's history is complete through `ledger` (never moves backwards). */
export async function recordBackfillCompleted(db: Db, address: string, ledger: number): Promise<boolean> {
  const rows = await db`
    update xrpl_accounts set complete_through_ledger = greatest(complete_through_ledger, ${ledger}), backfilled_at = now()
    where address = ${address} returning address`;
  return rows.length > 0;
}
