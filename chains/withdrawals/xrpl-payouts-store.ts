/** Signed XRP payouts of the hot wallets, kept from before submission. */
import type { Db } from '../../platform/db/client.js';

export interface XrplPayout {
  key: string;
  providerId: string;
  account: string;
  sequence: number;
  lastLedgerSequence: number;
  txBlob: string;
  txHash: string;
  status: 'signed' | 'submitted' | 'rejected';
  engineResult: string | null;
}

const toPayout = (r: Record<string, unknown>): XrplPayout => ({
  key: r.key as string,
  providerId: r.providerId as string,
  account: r.account as string,
  sequence: Number(r.sequence),
  lastLedgerSequence: Number(r.lastLedgerSequence),
  txBlob: r.txBlob as string,
  txHash: r.txHash as string,
  status: r.status as XrplPayout['status'],
  engineResult: (r.engineResult as string | null) ?? null,
});

export async function payoutByKey(db: Db, key: string): Promise<XrplPayout | null> {
  const [row] = await db`select * from xrpl_payouts where key = ${key}`;
  return row ? toPayout(row) : null;
}

/** Stores a signed payout; returns the one already stored under the key if another attempt got there first. */
export async function storePayout(db: Db, p: Omit<XrplPayout, 'status' | 'engineResult'>): Promise<XrplPayout> {
  const [row] = await db`
    insert into xrpl_payouts (key, provider_id, account, sequence, last_ledger_sequence, tx_blob, tx_hash)
    values (${p.key}, ${p.providerId}, ${p.account}, ${p.sequence}, ${p.lastLedgerSequence}, ${p.txBlob}, ${p.txHash})
    on conflict (key) do nothing returning *`;
  return row ? toPayout(row) : (await payoutByKey(db, p.key))!;
}

export async function markPayout(db: Db, key: string, status: 'submitted' | 'rejected', engineResult: string): Promise<void> {
  await db`update xrpl_payouts set status = ${status}, engine_result = ${engineResult}, updated_at = now() where key = ${key} and status <> 'rejected'`;
}

/** Payouts among these transaction hashes, for the listener to tell their withdrawals. */
export async function payoutsByHash(db: Db, hashes: string[]): Promise<Array<{ key: string; txHash: string }>> {
  if (hashes.length === 0) return [];
  const rows = await db`select key, tx_hash from xrpl_payouts where tx_hash = any(${db.array(hashes)}::text[])`;
  return rows.map((r) => ({ key: r.key as string, txHash: r.txHash as string }));
}
