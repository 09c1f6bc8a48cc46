/** Users' EVM deposit addresses: one HD index each, handed out once and kept. */
import type { Db, Sql } from '../../platform/db/client.js';

export interface DepositAddressRow {
  userId: string;
  hdIndex: number;
  address: string;
}

const toRow = (r: Record<string, unknown>): DepositAddressRow => ({
  userId: r.userId as string,
  hdIndex: r.hdIndex as number,
  address: r.address as string,
});

/** The user's address, assigning the next HD index the first time (a concurrent first call loses an index, harmlessly). */
export async function assignDepositAddress(
  sql: Sql,
  userId: string,
  derive: (index: number) => string,
): Promise<DepositAddressRow> {
  const [existing] = await sql`select user_id, hd_index, address from evm_deposit_addresses where user_id = ${userId}`;
  if (existing) return toRow(existing);
  const [{ index }] = (await sql`select nextval('evm_deposit_address_index')::int as index`) as unknown as [{ index: number }];
  const [inserted] = await sql`
    insert into evm_deposit_addresses (user_id, hd_index, address) values (${userId}, ${index}, ${derive(index)})
    on conflict (user_id) do nothing returning user_id, hd_index, address`;
  if (inserted) return toRow(inserted);
  const [winner] = await sql`select user_id, hd_index, address from evm_deposit_addresses where user_id = ${userId}`;
  return toRow(winner!);
}

/**
 * Users' deposit addresses, or invoices' (the merchant as the user), by address: the sweeper sweeps both with the same
 * seed, and reads those of a tick's wallets at once.
 */
export async function depositAddressesByAddress(db: Db, addresses: string[]): Promise<Map<string, DepositAddressRow>> {
  const lower = db.array(addresses.map((a) => a.toLowerCase()));
  const rows = await db`
    select user_id, hd_index, address from evm_deposit_addresses where address = any(${lower}::text[])
    union all
    select merchant_id, hd_index, address from invoice_destinations where network = 'evm' and address = any(${lower}::text[])`;
  const found = new Map<string, DepositAddressRow>();
  for (const row of rows.map(toRow)) if (!found.has(row.address)) found.set(row.address, row); // a user's first
  return found;
}

/** Every wallet deposits land in: users' deposit addresses and invoices' own addresses (both hot custody, both swept). */
export async function depositWallets(db: Db): Promise<string[]> {
  const rows = await db`
    select address from evm_deposit_addresses
    union all
    select address from invoice_destinations where network = 'evm'`;
  return rows.map((r) => r.address as string);
}

/**
 * Addresses handed out after `afterIndex`, and those among `gaps` (indexes below it not seen yet): an index is taken
 * before its row commits, so rows commit out of index order and a lower one can appear after a higher one was read.
 */
export async function depositAddressesAfter(db: Db, afterIndex: number, gaps: number[] = []): Promise<DepositAddressRow[]> {
  const rows = await db`
    select user_id, hd_index, address from evm_deposit_addresses
    where hd_index > ${afterIndex} or hd_index = any(${db.array(gaps)}::int[]) order by hd_index`;
  return rows.map(toRow);
}
