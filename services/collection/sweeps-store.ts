/** Sweeps of deposit wallets to the cold wallet, and what each wallet holds for its users, as the books see it. */
import type { Db } from '../../platform/db/client.js';
import type { Checkpoint } from '../../domain/deposits/evm-checkpoint.js';
import { earlyFundingPrefix } from '../../domain/collection/rules.js';

export type SweepStatus = 'planned' | 'funding' | 'sending' | 'sent' | 'confirmed' | 'failed' | 'cancelled';
export const FINISHED: SweepStatus[] = ['confirmed', 'failed', 'cancelled'];

/** What every sweep record holds; which fields are set depends on its status (`Sweep`). */
interface SweepRecord {
  id: string;
  chain: string;
  address: string;
  currency: string;
  /** null for the native currency. */
  tokenContract: string | null;
  status: SweepStatus;
  depositIds: string[];
  amount: bigint | null;
  gasLimit: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  /** Gas the gas keeper sends first (token sweeps; 0 when the wallet had enough). */
  fundingAmount: bigint | null;
  fundingSendId: string | null;
  /** The early funding the sweep claimed (the gas keeper funded the wallet while the deposit confirmed). */
  earlyFundingKey: string | null;
  sweepSendId: string | null;
  gasSpent: bigint | null;
  fundingGas: bigint | null;
  /** Why the sweeper's last try failed (it tries again next tick); null once a try succeeds. */
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** What a priced sweep sends: the amount, and the gas limit and fees it is signed with. */
export interface SweepTransfer {
  amount: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}
type Unpriced = { gasLimit: null; maxFeePerGas: null; maxPriorityFeePerGas: null };
/** A token sweep collects what its deposits add up to: its amount is known when it is planned. */
type OfToken = { tokenContract: string; amount: bigint };
/** A native sweep sends the balance less the fee: its amount is known once it is priced, right before it is signed. */
type OfNative = { tokenContract: null };
type NativeUnpriced = OfNative & Unpriced & { amount: null };

/**
 * A sweep by status: planned → (funding →) sending → sent → confirmed | failed; cancelled when it turned out not
 * worth sending. A token sweep is priced when prepared; only a token sweep is funded by the gas keeper.
 */
export type Sweep = SweepRecord &
  (
    | ({ status: 'planned' } & ((OfToken & Unpriced) | NativeUnpriced))
    | ({ status: 'funding'; fundingAmount: bigint } & OfToken & SweepTransfer)
    | ({ status: 'sending' } & (
        (OfToken & SweepTransfer & { fundingAmount: bigint }) | (OfNative & SweepTransfer) | NativeUnpriced
      ))
    | ({ status: 'sent'; sweepSendId: string } & SweepTransfer & (OfToken | OfNative))
    | ({ status: 'confirmed' | 'failed'; sweepSendId: string; gasSpent: bigint } & SweepTransfer & (OfToken | OfNative))
    | { status: 'cancelled' }
  );

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v as bigint | null) ?? null;

/** Rows follow their status' rules (`Sweep`): every change goes through the sweeper's steps. */
function toSweep(r: Record<string, unknown>): Sweep {
  const sweep: SweepRecord = {
    id: String(r.id),
    chain: r.chain as string,
    address: r.address as string,
    currency: r.currency as string,
    tokenContract: (r.tokenContract as string | null) ?? null,
    status: r.status as SweepStatus,
    depositIds: ((r.depositIds as Array<string | number>) ?? []).map(String),
    amount: num(r.amount),
    gasLimit: num(r.gasLimit),
    maxFeePerGas: num(r.maxFeePerGas),
    maxPriorityFeePerGas: num(r.maxPriorityFeePerGas),
    fundingAmount: num(r.fundingAmount),
    fundingSendId: str(r.fundingSendId),
    earlyFundingKey: (r.earlyFundingKey as string | null) ?? null,
    sweepSendId: str(r.sweepSendId),
    gasSpent: num(r.gasSpent),
    fundingGas: num(r.fundingGas),
    lastError: (r.lastError as string | null) ?? null,
    createdAt: r.createdAt as Date,
    finishedAt: (r.finishedAt as Date | null) ?? null,
  };
  return sweep as Sweep;
}

/** Sweeps by id (a sweeper's tick reads those of many wallets at once). */
export async function sweepsByIds(db: Db, ids: string[]): Promise<Map<string, Sweep>> {
  const rows = await db`select * from evm_sweeps where id = any(${db.array(ids)}::bigint[])`;
  return new Map(rows.map((r) => [String(r.id), toSweep(r)]));
}

/**
 * Token sweeps of the chain waiting for gas the keeper must send (oldest first): what it funds on its next tick. One
 * whose wallet has an early funding no sweep claimed is left out: it claims that funding and is priced again first
 * (read in the same statement, so the keeper never funds a sweep that is adopting the gas already sent).
 */
export async function sweepsAwaitingFunding(db: Db, chain: string, limit = 1_000): Promise<Sweep[]> {
  const rows = await db`
    select * from evm_sweeps s
    where s.chain = ${chain} and s.status = 'funding' and s.funding_amount > 0
      and not exists (
        select 1 from evm_sends f
        where f.chain = s.chain and f.to_address = s.address and f.purpose = 'gas-funding'
          and starts_with(f.key, ${earlyFundingPrefix(chain)})
          and not exists (select 1 from evm_sweeps c where c.early_funding_key = f.key))
    order by s.id limit ${limit}`;
  return rows.map(toSweep);
}

/** Every open sweep of the chain (oldest first): what a sweeper's tick moves on. */
export async function openSweepsOfChain(db: Db, chain: string, limit = 5_000): Promise<Sweep[]> {
  const rows = await db`
    select * from evm_sweeps where chain = ${chain} and status not in ('confirmed', 'failed', 'cancelled')
    order by id limit ${limit}`;
  return rows.map(toSweep);
}

/**
 * Wallets holding credited deposits that no sweep collected and no open sweep covers: what a lost wake-up would leave
 * behind (a wallet whose holdings are below the sweep minimum is among them, and planning it again is harmless).
 */
export async function walletsWithUnsweptDeposits(db: Db, chain: string, limit = 1_000): Promise<string[]> {
  const rows = await db`
    select distinct d.address from deposits d join evm_deposit_observations o on o.deposit_id = d.id
    where o.chain = ${chain} and o.collected_by is null and d.status = 'credited'
      and not exists (
        select 1 from evm_sweeps s where s.chain = d.chain and s.address = d.address and s.currency = d.currency
          and s.status not in ('confirmed', 'failed', 'cancelled'))
    limit ${limit}`;
  return rows.map((r) => r.address as string);
}

/** The open sweeps of each wallet asked for (oldest first); a wallet without any is left out. */
export async function openSweepsOfWallets(db: Db, chain: string, addresses: string[]): Promise<Map<string, Sweep[]>> {
  const rows = await db`
    select * from evm_sweeps where chain = ${chain} and address = any(${db.array(addresses)}::text[])
      and status not in ('confirmed', 'failed', 'cancelled') order by id`;
  const open = new Map<string, Sweep[]>();
  for (const sweep of rows.map(toSweep)) open.set(sweep.address, [...(open.get(sweep.address) ?? []), sweep]);
  return open;
}

export interface SweepToOpen {
  chain: string;
  address: string;
  currency: string;
  tokenContract: string | null;
  depositIds: string[];
  amount: bigint | null;
}

/**
 * Opens each sweep, or finds the one already open for its wallet and currency, in two statements for all of them (a
 * sweeper's tick plans hundreds of wallets at once); answers in the order asked.
 */
export async function openSweeps(db: Db, sweeps: SweepToOpen[]): Promise<Sweep[]> {
  const rows = sweeps.map((s) => ({
    chain: s.chain,
    address: s.address,
    currency: s.currency,
    token_contract: s.tokenContract,
    deposit_ids: s.depositIds,
    amount: s.amount?.toString() ?? null,
  }));
  const json = db.json(rows);
  await db`
    insert into evm_sweeps (chain, address, currency, token_contract, deposit_ids, amount)
    select chain, address, currency, token_contract, deposit_ids, amount
    from jsonb_to_recordset(${json})
      as v (chain text, address text, currency text, token_contract text, deposit_ids bigint[], amount numeric)
    on conflict (chain, address, currency) where status not in ('confirmed', 'failed', 'cancelled') do nothing`;
  const open = await db`
    select s.* from evm_sweeps s
    join jsonb_to_recordset(${json}) as v (chain text, address text, currency text)
      on s.chain = v.chain and s.address = v.address and s.currency = v.currency
    where s.status not in ('confirmed', 'failed', 'cancelled')`;
  const byKey = new Map(open.map((r) => [`${r.chain} ${r.address} ${r.currency}`, toSweep(r)]));
  return sweeps.map((s) => byKey.get(`${s.chain} ${s.address} ${s.currency}`)!);
}

export interface SweepChanges {
  status?: SweepStatus;
  depositIds?: string[];
  amount?: bigint;
  gasLimit?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  fundingAmount?: bigint;
  fundingSendId?: string;
  earlyFundingKey?: string;
  sweepSendId?: string;
  gasSpent?: bigint;
  fundingGas?: bigint;
}

export async function updateSweep(db: Db, id: string, changes: SweepChanges): Promise<Sweep> {
  return (await updateSweeps(db, [{ id, changes }])).get(id)!;
}

/**
 * Changes many sweeps in one statement (a sweeper's tick moves hundreds at once); each changed at most once in it (a
 * second change of one throws: the batch queue then applies the changes one at a time, in order).
 */
export async function updateSweeps(db: Db, updates: Array<{ id: string; changes: SweepChanges }>): Promise<Map<string, Sweep>> {
  if (new Set(updates.map((u) => u.id)).size < updates.length) throw new Error('a sweep changed twice in one statement');
  const rows = updates.map(({ id, changes: c }) => ({
    id,
    status: c.status ?? null,
    deposit_ids: c.depositIds ?? null,
    amount: c.amount?.toString() ?? null,
    gas_limit: c.gasLimit?.toString() ?? null,
    max_fee_per_gas: c.maxFeePerGas?.toString() ?? null,
    max_priority_fee_per_gas: c.maxPriorityFeePerGas?.toString() ?? null,
    funding_amount: c.fundingAmount?.toString() ?? null,
    funding_send_id: c.fundingSendId ?? null,
    early_funding_key: c.earlyFundingKey ?? null,
    sweep_send_id: c.sweepSendId ?? null,
    gas_spent: c.gasSpent?.toString() ?? null,
    funding_gas: c.fundingGas?.toString() ?? null,
  }));
  const updated = await db`
    update evm_sweeps s set
      status = coalesce(v.status, s.status),
      deposit_ids = coalesce(v.deposit_ids, s.deposit_ids),
      amount = coalesce(v.amount, s.amount),
      gas_limit = coalesce(v.gas_limit, s.gas_limit),
      max_fee_per_gas = coalesce(v.max_fee_per_gas, s.max_fee_per_gas),
      max_priority_fee_per_gas = coalesce(v.max_priority_fee_per_gas, s.max_priority_fee_per_gas),
      funding_amount = coalesce(v.funding_amount, s.funding_amount),
      funding_send_id = coalesce(v.funding_send_id, s.funding_send_id),
      early_funding_key = coalesce(v.early_funding_key, s.early_funding_key),
      sweep_send_id = coalesce(v.sweep_send_id, s.sweep_send_id),
      gas_spent = coalesce(v.gas_spent, s.gas_spent),
      funding_gas = coalesce(v.funding_gas, s.funding_gas),
      finished_at = case when v.status in ('confirmed', 'failed', 'cancelled') then now() else s.finished_at end,
      updated_at = now()
    from jsonb_to_recordset(${db.json(rows)}) as v (
      id bigint, status text, deposit_ids bigint[], amount numeric, gas_limit numeric, max_fee_per_gas numeric,
      max_priority_fee_per_gas numeric, funding_amount numeric, funding_send_id bigint, early_funding_key text, sweep_send_id bigint,
      gas_spent numeric, funding_gas numeric)
    where s.id = v.id
    returning s.*`;
  return new Map(updated.map((r) => [String(r.id), toSweep(r)]));
}

/** Records why a try of the sweep failed (operators see it); answers how many tries in a row have, since when. */
export async function noteSweepError(db: Db, id: string, error: string): Promise<{ tries: number; since: Date }> {
  const [row] = await db`
    update evm_sweeps set last_error = ${error}, failed_tries = failed_tries + 1, failing_since = coalesce(failing_since, now())
    where id = ${id} returning failed_tries, failing_since`;
  return { tries: row!.failedTries as number, since: row!.failingSince as Date };
}

/** Clears the sweep's failure once a try succeeded. */
export async function clearSweepError(db: Db, id: string): Promise<void> {
  await db`update evm_sweeps set last_error = null, failed_tries = 0, failing_since = null where id = ${id}`;
}

/** Marks the deposits a confirmed sweep collected: they no longer count as the wallet's uncollected holdings. */
export async function markCollected(db: Db, sweepId: string, depositIds: string[]): Promise<void> {
  await db`update evm_deposit_observations set collected_by = ${sweepId} where deposit_id = any(${db.array(depositIds)}::bigint[])`;
}

export interface WalletHoldings {
  checkpoint: Checkpoint | null;
  /** Per currency: credited deposits no sweep has collected yet. */
  uncollected: Map<string, { depositIds: string[]; total: bigint }>;
  /** Per currency: deposits seen but not credited or dropped yet, with the highest block they are in. */
  inFlight: Map<string, { count: number; maxBlock: bigint }>;
}

/**
 * A consistent picture of deposit wallets: the listener commits checkpoint and observations together, and one
 * statement reads both from one snapshot, for every wallet asked (a sweeper's tick asks for hundreds at once).
 */
export async function holdingsOfWallets(db: Db, chain: string, addresses: string[]): Promise<Map<string, WalletHoldings>> {
  const rows = await db`
    with cp as (select block_number, block_hash from evm_listener_checkpoints where chain = ${chain})
    select (select block_number from cp) as cp_block, (select block_hash from cp) as cp_hash,
      w.address as wallet, d.id, d.currency, d.amount, d.status, o.block_number
    from unnest(${db.array(addresses)}::text[]) as w (address)
    left join (deposits d join evm_deposit_observations o on o.deposit_id = d.id)
      on d.chain = ${chain} and d.address = w.address and o.collected_by is null and d.status <> 'dropped'
    order by d.id`;
  const holdings = new Map<string, WalletHoldings>();
  for (const r of rows) {
    const wallet = r.wallet as string;
    let held = holdings.get(wallet);
    if (!held) {
      const checkpoint = r.cpBlock === null ? null : { blockNumber: BigInt(r.cpBlock as string), blockHash: r.cpHash as string };
      held = { checkpoint, uncollected: new Map(), inFlight: new Map() };
      holdings.set(wallet, held);
    }
    if (r.id === null) continue; // the one row of a wallet without deposits to collect
    const currency = r.currency as string;
    if (r.status === 'credited') {
      const entry = held.uncollected.get(currency) ?? { depositIds: [], total: 0n };
      entry.depositIds.push(String(r.id));
      entry.total += r.amount as bigint;
      held.uncollected.set(currency, entry);
    } else {
      const entry = held.inFlight.get(currency) ?? { count: 0, maxBlock: 0n };
      const block = BigInt(r.blockNumber as string);
      held.inFlight.set(currency, { count: entry.count + 1, maxBlock: block > entry.maxBlock ? block : entry.maxBlock });
    }
  }
  return holdings;
}

export type SweepListItem = Sweep & {
  /** The gas the sweep was funded with: the early funding it claimed plus what the keeper sent it; null if neither. */
  fundingReceived: bigint | null;
  fundingTxHash: string | null;
  sweepTxHash: string | null;
};

/**
 * Sweeps for operators, newest first, with the gas they were funded with and the hashes of their funding and sweep
 * transactions: a token sweep's funding may be an early one the keeper sent while the deposit confirmed, which the
 * sweep claimed (with its own funding on top when that fell short; the hash is then its own funding's).
 */
export async function listSweeps(
  db: Db,
  page: { before?: string; limit: number; status?: string; currency?: string; address?: string },
): Promise<SweepListItem[]> {
  const rows = await db`
    select s.*, f.mined_hash as funding_mined_hash, w.mined_hash as sweep_mined_hash,
      e.value as early_funding_value, e.mined_hash as early_funding_mined_hash,
      (select tx_hash from evm_send_attempts where send_id = s.funding_send_id order by attempt desc limit 1) as funding_last_hash,
      (select tx_hash from evm_send_attempts where send_id = e.id order by attempt desc limit 1) as early_funding_last_hash,
      (select tx_hash from evm_send_attempts where send_id = s.sweep_send_id order by attempt desc limit 1) as sweep_last_hash
    from evm_sweeps s
    left join evm_sends f on f.id = s.funding_send_id
    left join evm_sends e on e.chain = s.chain and e.key = s.early_funding_key
    left join evm_sends w on w.id = s.sweep_send_id
    where true
    ${page.before ? db`and s.id < ${page.before}` : db``}
    ${page.status ? db`and s.status = ${page.status}` : db``}
    ${page.currency ? db`and s.currency = ${page.currency}` : db``}
    ${page.address ? db`and s.address = ${page.address.toLowerCase()}` : db``}
    order by s.id desc limit ${page.limit}`;
  return rows.map((r) => {
    const sweep = toSweep(r);
    const early = r.earlyFundingValue as bigint | null;
    return {
      ...sweep,
      fundingReceived: early === null ? sweep.fundingAmount : early + (sweep.fundingAmount ?? 0n),
      fundingTxHash:
        (r.fundingMinedHash as string | null) ??
        (r.fundingLastHash as string | null) ??
        (r.earlyFundingMinedHash as string | null) ??
        (r.earlyFundingLastHash as string | null) ??
        null,
      sweepTxHash: (r.sweepMinedHash as string | null) ?? (r.sweepLastHash as string | null) ?? null,
    };
  });
}
