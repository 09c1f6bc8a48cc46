/** Transactions Sluice signs: nonces it owns, sends (one per nonce) and their signed attempts, stored before broadcast. */
import type { Db, Tx } from '../../platform/db/client.js';

export type SendStatus = 'pending' | 'mined' | 'confirmed';

export interface Attempt {
  attempt: number;
  txHash: string;
  raw: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  createdAt: Date;
  broadcastAt: Date | null;
}

export interface Send {
  id: string;
  chain: string;
  key: string;
  purpose: string;
  from: string;
  to: string;
  value: bigint;
  data: string;
  nonce: bigint;
  gasLimit: bigint;
  status: SendStatus;
  minedHash: string | null;
  blockNumber: bigint | null;
  blockHash: string | null;
  succeeded: boolean | null;
  gasUsed: bigint | null;
  effectiveGasPrice: bigint | null;
  notify: string[];
  createdAt: Date;
  /** Oldest first; the last one is the one to rebroadcast. */
  attempts: Attempt[];
}

export type NewSend = Pick<
  Send,
  'chain' | 'key' | 'purpose' | 'from' | 'to' | 'value' | 'data' | 'nonce' | 'gasLimit' | 'notify'
>;

export interface Inclusion {
  hash: string;
  blockNumber: bigint;
  blockHash: string;
  succeeded: boolean;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

const big = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as string));

function toSend(r: Record<string, unknown>, attempts: Attempt[]): Send {
  return {
    id: String(r.id),
    chain: r.chain as string,
    key: r.key as string,
    purpose: r.purpose as string,
    from: r.fromAddress as string,
    to: r.toAddress as string,
    value: r.value as bigint,
    data: r.data as string,
    nonce: BigInt(r.nonce as string),
    gasLimit: r.gasLimit as bigint,
    status: r.status as SendStatus,
    minedHash: (r.minedHash as string | null) ?? null,
    blockNumber: big(r.blockNumber),
    blockHash: (r.blockHash as string | null) ?? null,
    succeeded: (r.succeeded as boolean | null) ?? null,
    gasUsed: (r.gasUsed as bigint | null) ?? null,
    effectiveGasPrice: (r.effectiveGasPrice as bigint | null) ?? null,
    notify: (r.notify as string[]) ?? [],
    createdAt: r.createdAt as Date,
    attempts,
  };
}

async function withAttempts(db: Db, rows: Array<Record<string, unknown>>): Promise<Send[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const attempts = await db`
    select send_id, attempt, tx_hash, raw, max_fee_per_gas, max_priority_fee_per_gas, created_at, broadcast_at
    from evm_send_attempts where send_id = any(${db.array(ids)}::bigint[]) order by send_id, attempt`;
  const bySend = attemptsBySend(attempts);
  return rows.map((r) => toSend(r, bySend.get(String(r.id)) ?? []));
}

/** Attempt rows by their send's id, each send's in the rows' order. */
function attemptsBySend(rows: Array<Record<string, unknown>>): Map<string, Attempt[]> {
  const bySend = new Map<string, Attempt[]>();
  for (const a of rows) {
    const list = bySend.get(String(a.sendId)) ?? [];
    list.push({
      attempt: a.attempt as number,
      txHash: a.txHash as string,
      raw: a.raw as string,
      maxFeePerGas: a.maxFeePerGas as bigint,
      maxPriorityFeePerGas: a.maxPriorityFeePerGas as bigint,
      createdAt: a.createdAt as Date,
      broadcastAt: (a.broadcastAt as Date | null) ?? null,
    });
    bySend.set(String(a.sendId), list);
  }
  return bySend;
}

export async function sendsByKeys(db: Db, chain: string, keys: string[]): Promise<Map<string, Send>> {
  const rows = await db`select * from evm_sends where chain = ${chain} and key = any(${db.array(keys)}::text[])`;
  return new Map((await withAttempts(db, rows)).map((s) => [s.key, s]));
}

/**
 * The sends stored under `key` on any of `chains`: a withdrawal's payout, for an operator's close (a withdrawal whose
 * providers all failed names no chain, so every chain configured is looked on, each through the (chain, key) index).
 */
export async function sendsUnderKey(db: Db, chains: string[], key: string): Promise<Send[]> {
  if (chains.length === 0) return [];
  return withAttempts(db, await db`select * from evm_sends where chain = any(${db.array(chains)}::text[]) and key = ${key}`);
}

export async function sendById(db: Db, id: string): Promise<Send | null> {
  const [row] = await db`select * from evm_sends where id = ${id}`;
  return row ? (await withAttempts(db, [row]))[0]! : null;
}

/** Where an address's sends stand, as recorded: the newest block holding one, and whether one is not in a block. */
export interface SendsFrom {
  /** null while none is mined. */
  lastBlock: bigint | null;
  /** A send signed (held or broadcast) and not mined yet, or reorged out. */
  unmined: boolean;
}

/** Each address's sends as recorded (`SendsFrom`); an address that never sent is left out. */
export async function sendsFromAddresses(db: Db, chain: string, froms: string[]): Promise<Map<string, SendsFrom>> {
  const rows = await db`
    select from_address, max(block_number) as block, bool_or(block_number is null) as unmined from evm_sends
    where chain = ${chain} and from_address = any(${db.array(froms)}::text[])
    group by from_address`;
  return new Map(
    rows.map((r) => [
      r.fromAddress as string,
      { lastBlock: r.block === null ? null : BigInt(r.block as string), unmined: r.unmined as boolean },
    ]),
  );
}

/** Sends from an address that are not final yet, oldest nonce first. */
export async function openSends(db: Db, chain: string, from: string): Promise<Send[]> {
  const rows =
    await db`select * from evm_sends where chain = ${chain} and from_address = ${from} and status <> 'confirmed' order by nonce`;
  return withAttempts(db, rows);
}

/**
 * Reserves consecutive nonces for each address (`count` of them), under row locks held until the caller's transaction
 * ends, taken in address order (two such transactions never wait for each other crosswise). `chainCount` is the
 * node's transaction count: a nonce used outside Sluice is never handed out again. Answers each address's first nonce.
 */
export async function reserveNonces(
  tx: Tx,
  chain: string,
  wants: Array<{ address: string; count: number; chainCount: bigint }>,
): Promise<Map<string, bigint>> {
  const sorted = [...wants].sort((a, b) => a.address.localeCompare(b.address));
  const addresses = tx.array(sorted.map((w) => w.address));
  await tx`
    insert into evm_nonces (chain, address, next_nonce)
    select ${chain}, w.address, w.chain_count
    from unnest(${addresses}::text[], ${tx.array(sorted.map((w) => w.chainCount.toString()))}::bigint[]) as w (address, chain_count)
    order by w.address
    on conflict do nothing`;
  const rows = await tx`
    select address, next_nonce from evm_nonces where chain = ${chain} and address = any(${addresses}::text[])
    order by address for update`;
  const stored = new Map(rows.map((r) => [r.address as string, BigInt(r.nextNonce as string)]));
  const first = new Map(
    sorted.map((w) => {
      const next = stored.get(w.address)!;
      return [w.address, next > w.chainCount ? next : w.chainCount];
    }),
  );
  await tx`
    update evm_nonces n set next_nonce = w.next_nonce
    from unnest(${addresses}::text[], ${tx.array(sorted.map((w) => (first.get(w.address)! + BigInt(w.count)).toString()))}::bigint[])
      as w (address, next_nonce)
    where n.chain = ${chain} and n.address = w.address`;
  return first;
}

/** Stores new sends, as yet without attempts; answers them as stored, by key. */
export async function insertSends(tx: Tx, sends: NewSend[]): Promise<Map<string, Send>> {
  const column = <T>(pick: (s: NewSend) => T) => tx.array(sends.map(pick) as never[]);
  const rows = await tx`
    insert into evm_sends (chain, key, purpose, from_address, to_address, value, data, nonce, gas_limit, notify)
    select s.chain, s.key, s.purpose, s.from_address, s.to_address, s.value, s.data, s.nonce, s.gas_limit,
      array(select jsonb_array_elements_text(s.notify))
    from unnest(
      ${column((s) => s.chain)}::text[], ${column((s) => s.key)}::text[], ${column((s) => s.purpose)}::text[],
      ${column((s) => s.from)}::text[], ${column((s) => s.to)}::text[], ${column((s) => s.value.toString())}::numeric[],
      ${column((s) => s.data)}::text[], ${column((s) => s.nonce.toString())}::bigint[],
      ${column((s) => s.gasLimit.toString())}::numeric[], ${column((s) => JSON.stringify(s.notify))}::jsonb[]
    ) as s (chain, key, purpose, from_address, to_address, value, data, nonce, gas_limit, notify)
    returning *`;
  return new Map(rows.map((r) => [r.key as string, toSend(r, [])]));
}

export type NewAttempt = Omit<Attempt, 'createdAt' | 'broadcastAt'> & { sendId: string };

/** Stores attempts; answers them as stored, by their send's id. */
export async function insertAttempts(tx: Tx, attempts: NewAttempt[]): Promise<Map<string, Attempt[]>> {
  const column = <T>(pick: (a: NewAttempt) => T) => tx.array(attempts.map(pick) as never[]);
  const rows = await tx`
    insert into evm_send_attempts (send_id, attempt, tx_hash, raw, max_fee_per_gas, max_priority_fee_per_gas)
    select * from unnest(
      ${column((a) => a.sendId)}::bigint[], ${column((a) => a.attempt)}::int[], ${column((a) => a.txHash)}::text[],
      ${column((a) => a.raw)}::text[], ${column((a) => a.maxFeePerGas.toString())}::numeric[],
      ${column((a) => a.maxPriorityFeePerGas.toString())}::numeric[])
    returning *`;
  return attemptsBySend(rows);
}

/** Marks each send's attempt as broadcast (the first time only). */
export async function markBroadcast(db: Db, attempts: Array<{ sendId: string; attempt: number }>): Promise<void> {
  if (attempts.length === 0) return;
  await db`
    update evm_send_attempts a set broadcast_at = now()
    from unnest(${db.array(attempts.map((a) => a.sendId))}::bigint[], ${db.array(attempts.map((a) => a.attempt))}::int[])
      as b (send_id, attempt)
    where a.send_id = b.send_id and a.attempt = b.attempt and a.broadcast_at is null`;
}

/**
 * Records where a send was mined (or that it is back to pending after a reorg). Reaching `confirmed` moves the
 * version, so the listener's outbox signals the workflows waiting for it; a gas funding moves it once mined instead
 * (the sweep it pays for cannot be mined without it, so its collector may send the sweep then).
 */
export async function recordInclusion(db: Db, sendId: string, inclusion: Inclusion | null, confirmed: boolean): Promise<void> {
  if (!inclusion) {
    await db`
      update evm_sends set status = 'pending', mined_hash = null, block_number = null, block_hash = null, succeeded = null,
        gas_used = null, effective_gas_price = null, updated_at = now()
      where id = ${sendId} and status = 'mined'`;
    return;
  }
  await recordInclusions(db, [{ sendId, inclusion }], confirmed);
}

/**
 * Records where sends were mined (`confirmed`: and confirmed), all in one statement: the listener records a range's
 * in its transaction, which credits the deposits the range confirms, and a burst's block holds hundreds of ours
 * (fundings, sweeps). The version moves as `recordInclusion` says.
 */
export async function recordInclusions(
  db: Db,
  found: Array<{ sendId: string; inclusion: Inclusion }>,
  confirmed: boolean,
): Promise<void> {
  if (found.length === 0) return;
  const rows = found.map(({ sendId, inclusion: i }) => ({
    send_id: sendId,
    hash: i.hash,
    block_number: i.blockNumber.toString(),
    block_hash: i.blockHash,
    succeeded: i.succeeded,
    gas_used: i.gasUsed.toString(),
    effective_gas_price: i.effectiveGasPrice.toString(),
  }));
  await db`
    update evm_sends s set status = ${confirmed ? 'confirmed' : 'mined'}, mined_hash = v.hash, block_number = v.block_number,
      block_hash = v.block_hash, succeeded = v.succeeded, gas_used = v.gas_used, effective_gas_price = v.effective_gas_price,
      updated_at = now(),
      version = s.version + case when s.purpose = 'gas-funding' then (case when s.status = 'pending' then 1 else 0 end)
                                 else ${confirmed ? 1 : 0} end
    from jsonb_to_recordset(${db.json(rows)}) as v (
      send_id bigint, hash text, block_number bigint, block_hash text, succeeded boolean, gas_used numeric,
      effective_gas_price numeric)
    where s.id = v.send_id and s.status <> 'confirmed'`;
}

/** Our own transactions among a block's: attempt hash → send. */
export async function sendsByTxHashes(db: Db, chain: string, hashes: string[]): Promise<Map<string, Send>> {
  if (hashes.length === 0) return new Map();
  const rows = await db`
    select s.* from evm_sends s join evm_send_attempts a on a.send_id = s.id
    where s.chain = ${chain} and a.tx_hash = any(${db.array(hashes)}::text[])`;
  const sends = await withAttempts(db, [...new Map(rows.map((r) => [String(r.id), r])).values()]);
  const byHash = new Map<string, Send>();
  for (const s of sends) for (const a of s.attempts) if (hashes.includes(a.txHash)) byHash.set(a.txHash, s);
  return byHash;
}

/** Mined sends that are not confirmed yet (the listener counts their confirmations). */
export async function minedSends(db: Db, chain: string): Promise<Send[]> {
  return withAttempts(db, await db`select * from evm_sends where chain = ${chain} and status = 'mined'`);
}

/** Mined sends in a block that left the chain. */
export async function sendsInBlock(db: Db, chain: string, blockHash: string): Promise<Send[]> {
  return withAttempts(
    db,
    await db`select * from evm_sends where chain = ${chain} and block_hash = ${blockHash} and status = 'mined'`,
  );
}

/** Sends whose waiting workflows have not heard of their latest state yet (the outbox). */
export async function sendsToSignal(db: Db, chain: string, limit = 500) {
  const rows = await db`
    select id, key, mined_hash, notify, version from evm_sends
    where chain = ${chain} and version > signalled_version order by id limit ${limit}`;
  return rows.map((r) => ({
    id: String(r.id),
    key: r.key as string,
    hash: r.minedHash as string,
    notify: r.notify as string[],
    version: r.version as number,
  }));
}

/** ETH an address has committed to sends not yet mined: their values and the most their fees can be. */
export async function committedByOpenSends(db: Db, chain: string, from: string): Promise<bigint> {
  const [row] = await db`
    select coalesce(sum(s.value + s.gas_limit * a.max_fee_per_gas), 0) as committed
    from evm_sends s
    join lateral (select max_fee_per_gas from evm_send_attempts where send_id = s.id order by attempt desc limit 1) a on true
    where s.chain = ${chain} and s.from_address = ${from} and s.status = 'pending'`;
  return row!.committed as bigint;
}
