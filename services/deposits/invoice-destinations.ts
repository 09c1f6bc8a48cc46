/**
 * Where an invoice is paid on chain: an EVM address of its own (HD index from 2^30 up, an index space users' deposit
 * addresses never reach, on the same branch so the collector sweeps it with the same seed) and a destination tag of
 * its own on the company's XRPL deposit address. The listeners watch these as they watch users' deposit addresses; a
 * deposit seen at one is recorded with its invoice, and credited to the invoice's account.
 */
import { randomInt } from 'node:crypto';
import { getAddress } from 'ethers';
import type { DepositAddressDeriver } from '../../chains/evm/hd-wallets.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { LOWEST_TAG, HIGHEST_TAG } from './xrpl-destination-tags.js';

/** Invoices' HD indexes start here (the invoice_evm_address_index sequence); users' stay below it. */
export const FIRST_INVOICE_HD_INDEX = 2 ** 30;

export interface InvoiceDestination {
  network: 'evm' | 'xrpl';
  address: string;
  destinationTag: bigint | null;
}

export interface InvoiceOwner {
  invoiceId: string;
  merchantId: string;
}

const toDestination = (r: Record<string, unknown>): InvoiceDestination => ({
  network: r.network as 'evm' | 'xrpl',
  address: r.network === 'evm' ? getAddress(r.address as string) : (r.address as string),
  destinationTag: r.destinationTag === null ? null : BigInt(r.destinationTag as string),
});

async function storedDestination(db: Db, invoiceId: string, network: string): Promise<InvoiceDestination | null> {
  const [row] = await db`select * from invoice_destinations where invoice_id = ${invoiceId} and network = ${network}`;
  return row ? toDestination(row) : null;
}

/** The invoice's EVM address, derived at the next invoice index the first time (a racing call loses an index). */
export async function invoiceEvmAddress(
  sql: Sql,
  owner: InvoiceOwner,
  deriver: DepositAddressDeriver,
): Promise<InvoiceDestination> {
  const existing = await storedDestination(sql, owner.invoiceId, 'evm');
  if (existing) return existing;
  const [{ index }] = (await sql`select nextval('invoice_evm_address_index')::int as index`) as unknown as [{ index: number }];
  await sql`
    insert into invoice_destinations (invoice_id, merchant_id, network, address, hd_index)
    values (${owner.invoiceId}, ${owner.merchantId}, 'evm', ${deriver.addressAt(index)}, ${index}) on conflict do nothing`;
  return (await storedDestination(sql, owner.invoiceId, 'evm'))!;
}

/** The invoice's destination tag on the XRPL deposit address: random, never a user's or one earlier payments used. */
export async function invoiceXrplTag(sql: Sql, owner: InvoiceOwner, depositAddress: string): Promise<InvoiceDestination> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await storedDestination(sql, owner.invoiceId, 'xrpl');
    if (existing) return existing;
    const candidate = randomInt(LOWEST_TAG, HIGHEST_TAG + 1);
    await sql`
      insert into invoice_destinations (invoice_id, merchant_id, network, address, destination_tag)
      select ${owner.invoiceId}, ${owner.merchantId}, 'xrpl', ${depositAddress}, ${candidate}
      where not exists (select 1 from xrpl_payments where destination_tag = ${candidate})
        and not exists (select 1 from xrpl_destination_tags where tag = ${candidate})
      on conflict do nothing`;
  }
  throw new Error(`could not allocate a destination tag for invoice ${owner.invoiceId}`);
}

/** The invoices these tags belong to. */
export async function invoiceTagOwners(db: Db, tags: bigint[]): Promise<Map<bigint, InvoiceOwner>> {
  if (tags.length === 0) return new Map();
  const rows = await db`
    select destination_tag, invoice_id, merchant_id from invoice_destinations
    where network = 'xrpl' and destination_tag = any(${tags.map(String)}::bigint[])`;
  return new Map(
    rows.map((r) => [
      BigInt(r.destinationTag as string),
      { invoiceId: r.invoiceId as string, merchantId: r.merchantId as string },
    ]),
  );
}

export interface InvoiceAddressRow extends InvoiceOwner {
  hdIndex: number;
  address: string;
}

/** Invoice addresses after an HD index and at the gap indexes (as `depositAddressesAfter`, for the EVM listener). */
export async function invoiceAddressesAfter(db: Db, afterIndex: number, gaps: number[] = []): Promise<InvoiceAddressRow[]> {
  const rows = await db`
    select invoice_id, merchant_id, hd_index, address from invoice_destinations
    where network = 'evm' and (hd_index > ${afterIndex} or hd_index = any(${db.array(gaps)}::int[])) order by hd_index`;
  return rows.map((r) => ({
    invoiceId: r.invoiceId as string,
    merchantId: r.merchantId as string,
    hdIndex: r.hdIndex as number,
    address: r.address as string,
  }));
}
