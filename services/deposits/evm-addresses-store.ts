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

/** A user's deposit address, or an invoice's (its merchant as the user): the collector sweeps both with the same seed. */
export async function depositAddressByAddress(db: Db, address: string): Promise<DepositAddressRow | null> {
  const [row] = await db`
    select user_id, hd_index, address from evm_deposit_addresses where address = ${address.toLowerCase()}
    union all
    select merchant_id, hd_index, address from invoice_destinations where network = 'evm' and address = ${address.toLowerCase()}`;
  return row ? toRow(row) : null;
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
