/** Operators' reads of deposits: the filtered list (keyset by id, newest first) and the credited volume per day. */
import type { DepositStatus } from '../../domain/deposits/credit.js';
import type { Db } from '../../platform/db/client.js';
import { toDeposit, type Deposit } from './store.js';
import { volumeByDay, type DayVolume } from '../../platform/db/volume-by-day.js';

export interface DepositFilter {
  /** `evm` for every EVM chain, or one chain (`xrpl`, `evm-31337`). */
  network?: 'evm' | 'xrpl';
  txHash?: string;
  address?: string;
  userId?: string;
  status?: DepositStatus;
  /** Detected at or after / before. */
  from?: Date;
  to?: Date;
  /** EVM deposits observed in this block. */
  blockNumber?: bigint;
}

export async function listDeposits(db: Db, filter: DepositFilter, page: { before?: string; limit: number }): Promise<Deposit[]> {
  const rows = await db`
    select * from deposits where true
    ${filter.network === 'evm' ? db`and chain like 'evm-%'` : filter.network ? db`and chain = ${filter.network}` : db``}
    ${filter.txHash ? db`and lower(tx_hash) = lower(${filter.txHash})` : db``}
    ${filter.address ? db`and lower(address) = lower(${filter.address})` : db``}
    ${filter.userId ? db`and user_id = ${filter.userId}` : db``}
    ${filter.status ? db`and status = ${filter.status}` : db``}
    ${filter.from ? db`and detected_at >= ${filter.from}` : db``}
    ${filter.to ? db`and detected_at < ${filter.to}` : db``}
    ${filter.blockNumber !== undefined ? db`and id in (select deposit_id from evm_deposit_observations where block_number = ${filter.blockNumber.toString()})` : db``}
    ${page.before ? db`and id < ${page.before}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toDeposit);
}

/** Credited volume per UTC day and currency, by the day the deposit was credited. */
export function depositVolumeByDay(db: Db, range: { from: Date; to: Date }): Promise<DayVolume[]> {
  return volumeByDay(db, { table: 'deposits', at: 'credited_at', status: 'credited' }, range);
}

/** Deposits seen but not credited yet (waiting for confirmations). */
export async function pendingDepositCount(db: Db): Promise<number> {
  const [row] = await db`select count(*)::int as n from deposits where status = 'pending'`;
  return row!.n as number;
}
