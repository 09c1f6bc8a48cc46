/**
 * What the EVM listener saw, recorded atomically per range of blocks: the blocks (to notice when one is replaced),
 * deposits to deposit addresses, top-ups of custody wallets, where our own transactions were mined, confirmation counts, and the checkpoint.
 * A replaced block, and every recorded block above it, drops its unconfirmed deposits (never credited) and sends our
 * transactions back to pending.
 */
import { depositWorkflowId } from '../../domain/deposits/credit.js';
import type { Checkpoint } from '../../domain/deposits/evm-checkpoint.js';
import type { Db, Sql, Tx } from '../../platform/db/client.js';
import { creditDeposits, recordDeposits } from './store.js';
import { raiseAlert } from '../notifications/client.js';
import { recordInclusions, type Inclusion } from '../../chains/evm/sends-store.js';
import { dropInflowsInBlock, recordCustodyInflows, type CustodyInflow } from '../reconciliation/client.js';

export type ObservationState = 'seen' | 'confirmed' | 'dropped';

export interface BlockHeader {
  number: bigint;
  hash: string;
  parentHash: string;
}

export interface ObservedDeposit {
  userId: string;
  /** A payment to an invoice's address (`userId` is then its merchant). */
  invoiceId: string | null;
  currency: string;
  amount: bigint;
  txHash: string;
  /**
   * 0 for a transaction's own ether (a transaction to an address without code emits no logs), the log index for a
   * token transfer, `INTERNAL_TRANSFER_INDEX` + its position in the trace for ether an inner call moved.
   */
  eventIndex: number;
  /**
   * Its identity in the transaction, the same in any block: the index for ether; for a token transfer, whose log index
   * counts the whole block's logs, its `tokenTransferKey`. A transfer a reorg mined again elsewhere is the same deposit.
   */
  eventKey: string;
  address: string;
  tokenContract: string | null;
  from: string;
  blockNumber: bigint;
  blockHash: string;
}

export interface ScannedRangeRecord {
  blocks: BlockHeader[];
  deposits: ObservedDeposit[];
  ownInclusions: Array<{ sendId: string; inclusion: Inclusion }>;
  /** Transfers into custody wallets from outside Sluice (top-ups), booked by reconciliation once confirmed. */
  custodyInflows: CustodyInflow[];
}

export interface RangeOutcome {
  newDeposits: number;
  /** Deposits the range confirmed and credited (or held, as the deposit settings say) in its own transaction. */
  creditedDepositIds: string[];
  droppedDepositIds: string[];
  /** Blocks that left the chain: replaced in the range, or recorded above it on the chain it replaced. */
  replacedBlocks: bigint[];
}

export async function checkpointOf(db: Db, chain: string): Promise<Checkpoint | null> {
  const [row] = await db`select block_number, block_hash from evm_listener_checkpoints where chain = ${chain}`;
  return row ? { blockNumber: BigInt(row.blockNumber as string), blockHash: row.blockHash as string } : null;
}

/** The recorded hashes of blocks `from`..`to`, by number (the recent ones: older blocks are not kept). */
export async function storedBlockHashes(db: Db, chain: string, from: bigint, to: bigint): Promise<Map<bigint, string>> {
  const rows = await db`
    select number, hash from evm_blocks where chain = ${chain} and number between ${from.toString()} and ${to.toString()}`;
  return new Map(rows.map((r) => [BigInt(r.number as string), r.hash as string]));
}

/** Records a scanned range in one SQL transaction, ending with the checkpoint at its last block. */
export async function recordScannedRange(
  sql: Sql,
  chain: string,
  range: ScannedRangeRecord,
  settings: { confirmations: number; keepBlocks: number },
): Promise<RangeOutcome> {
  const last = range.blocks[range.blocks.length - 1]!;
  return sql.begin(async (tx) => {
    // one writer at a time, even if two listeners ever believed they were the leader
    await tx`insert into evm_listener_checkpoints (chain, block_number, block_hash) values (${chain}, ${last.number.toString()}, ${last.hash}) on conflict do nothing`;
    await tx`select 1 from evm_listener_checkpoints where chain = ${chain} for update`;

    const outcome: RangeOutcome = { newDeposits: 0, creditedDepositIds: [], droppedDepositIds: [], replacedBlocks: [] };
    const numbers = range.blocks.map((b) => b.number.toString());
    const stored =
      await tx`select number, hash from evm_blocks where chain = ${chain} and number = any(${tx.array(numbers)}::bigint[])`;
    const storedHash = new Map(stored.map((r) => [String(r.number), r.hash as string]));
    for (const block of range.blocks) {
      const previous = storedHash.get(block.number.toString());
      if (previous && previous !== block.hash) {
        outcome.replacedBlocks.push(block.number);
        outcome.droppedDepositIds.push(...(await orphanBlock(tx, chain, previous)));
      }
    }
    // the recorded blocks above the range descend from the one it replaced, so they left the chain with it, though the
    // new chain is not that high yet (it may stay shorter, or the node rolled back): orphaned now, not when (if ever)
    // that height is recorded again, so every pending deposit lies on the recorded chain, within the confirmations
    if (outcome.replacedBlocks.length > 0) {
      const above = await tx`
        delete from evm_blocks where chain = ${chain} and number > ${last.number.toString()} returning number, hash`;
      for (const gone of above) {
        outcome.replacedBlocks.push(BigInt(gone.number as string));
        outcome.droppedDepositIds.push(...(await orphanBlock(tx, chain, gone.hash as string)));
      }
    }
    await tx`
      insert into evm_blocks ${tx(range.blocks.map((b) => ({ chain, number: b.number.toString(), hash: b.hash, parentHash: b.parentHash })))}
      on conflict (chain, number) do update set hash = excluded.hash, parent_hash = excluded.parent_hash`;

    await recordInclusions(tx, range.ownInclusions, false);
    outcome.newDeposits = await recordObservations(tx, chain, range.deposits);
    await recordCustodyInflows(tx, chain, range.custodyInflows);

    const confirmed = await countConfirmations(tx, chain, last.number, settings.confirmations);
    // credited where the confirming block is recorded: no workflow, signal or queue on the credit's path, and a
    // deposit is credited exactly when its recorded state becomes confirmed (never from a replaced block: the
    // orphaning above runs first, in this transaction). The deposit's workflow, told afterwards, finds it credited.
    if (confirmed.length > 0) {
      const credits = await creditDeposits(tx, confirmed);
      outcome.creditedDepositIds = confirmed.filter((_, i) => credits[i]!.ok);
    }
    await tx`
      update evm_listener_checkpoints set block_number = ${last.number.toString()}, block_hash = ${last.hash}, updated_at = now()
      where chain = ${chain}`;
    await tx`delete from evm_blocks where chain = ${chain} and number < ${(last.number - BigInt(settings.keepBlocks)).toString()}`;
    return outcome;
  });
}

/**
 * Records the deposits seen in a range, in a few statements whatever their number (a burst's block holds hundreds,
 * and this transaction also credits what the range confirms); answers how many are new. One seen again after a reorg
 * dropped it is pending again.
 */
async function recordObservations(tx: Tx, chain: string, seen: ObservedDeposit[]): Promise<number> {
  if (seen.length === 0) return 0;
  const deposits = await recordDeposits(
    tx,
    seen.map((d) => ({
      userId: d.userId,
      currency: d.currency,
      amount: d.amount,
      chain,
      txHash: d.txHash,
      eventIndex: d.eventIndex,
      eventKey: d.eventKey,
      address: d.address,
      workflowId: depositWorkflowId(chain, d.txHash, d.eventKey),
      invoiceId: d.invoiceId,
    })),
  );
  const observed = seen.map((d, i) => ({
    deposit_id: deposits[i]!.id,
    chain,
    token_contract: d.tokenContract,
    from_address: d.from,
    block_number: d.blockNumber.toString(),
    block_hash: d.blockHash,
  }));
  const inserted = await tx`
    insert into evm_deposit_observations (deposit_id, chain, token_contract, from_address, block_number, block_hash)
    select deposit_id, chain, token_contract, from_address, block_number, block_hash
    from jsonb_to_recordset(${tx.json(observed)}) as v (
      deposit_id bigint, chain text, token_contract text, from_address text, block_number bigint, block_hash text)
    on conflict (deposit_id) do nothing returning deposit_id`;
  const fresh = new Set(inserted.map((r) => String(r.depositId)));
  const again = observed.filter((o) => !fresh.has(o.deposit_id));
  if (again.length > 0) {
    // the same transfer mined again (the same transaction re-included after the reorg that dropped it)
    const revived = await tx`
      update evm_deposit_observations o set state = 'seen', confirmations = 1, block_number = v.block_number,
        block_hash = v.block_hash, version = o.version + 1, updated_at = now()
      from jsonb_to_recordset(${tx.json(again)}) as v (deposit_id bigint, block_number bigint, block_hash text)
      where o.deposit_id = v.deposit_id and o.state = 'dropped' returning o.deposit_id`;
    const ids = revived.map((r) => String(r.depositId));
    if (ids.length > 0)
      await tx`update deposits set status = 'pending' where id = any(${tx.array(ids)}::bigint[]) and status = 'dropped'`;
  }
  return fresh.size;
}

/** A block left the chain: its unconfirmed deposits are dropped, our transactions in it are pending again. */
async function orphanBlock(tx: Tx, chain: string, hash: string): Promise<string[]> {
  await dropInflowsInBlock(tx, chain, hash);
  const dropped = await tx`
    update evm_deposit_observations set state = 'dropped', version = version + 1, updated_at = now()
    where chain = ${chain} and block_hash = ${hash} and state = 'seen' returning deposit_id`;
  const ids = dropped.map((r) => String(r.depositId));
  if (ids.length > 0)
    await tx`update deposits set status = 'dropped' where id = any(${tx.array(ids)}::bigint[]) and status = 'pending'`;
  await tx`
    update evm_sends set status = 'pending', mined_hash = null, block_number = null, block_hash = null, succeeded = null,
      gas_used = null, effective_gas_price = null, updated_at = now()
    where chain = ${chain} and block_hash = ${hash} and status = 'mined'`;
  // deeper than the confirmations we trust: already credited or relied on, so a person must look
  const final =
    await tx`select deposit_id from evm_deposit_observations where chain = ${chain} and block_hash = ${hash} and state = 'confirmed'`;
  const finalSends = await tx`select key from evm_sends where chain = ${chain} and block_hash = ${hash} and status = 'confirmed'`;
  if (final.length > 0 || finalSends.length > 0) {
    await raiseAlert(tx, {
      eventId: `evm-deep-reorg:${chain}:${hash}`,
      type: 'other',
      kind: 'evm_deep_reorg',
      severity: 'critical',
      title: `A block with confirmed deposits or transactions left ${chain}`,
      data: {
        chain,
        block_hash: hash,
        deposit_ids: final.map((r) => String(r.depositId)),
        send_keys: finalSends.map((r) => r.key as string),
      },
    });
  }
  return ids;
}

/**
 * Confirmations relative to the last recorded block; reaching the threshold makes an observation or send final. Only
 * that change is one the workflows must hear of (the count in between is read from the record). Answers the deposits
 * this block confirmed whose deposit is still pending (to credit).
 */
async function countConfirmations(tx: Tx, chain: string, head: bigint, required: number): Promise<string[]> {
  const h = head.toString();
  const changed = await tx`
    update evm_deposit_observations
    set confirmations = ${h}::bigint - block_number + 1,
        state = case when ${h}::bigint - block_number + 1 >= ${required} then 'confirmed' else 'seen' end,
        -- a deposit's workflow hears of a new state, not of each block on the way (one signal, one workflow task)
        version = version + case when ${h}::bigint - block_number + 1 >= ${required} then 1 else 0 end, updated_at = now()
    where chain = ${chain} and state = 'seen' and block_number <= ${h}::bigint
      and ${h}::bigint - block_number + 1 > confirmations
    returning deposit_id, state`;
  // a gas funding's waiting collector heard of it when it was mined (recordInclusion): nothing more to tell it
  await tx`
    update evm_sends set status = 'confirmed', version = version + case when purpose = 'gas-funding' then 0 else 1 end,
      updated_at = now()
    where chain = ${chain} and status = 'mined' and block_number <= ${h}::bigint - ${required} + 1`;
  const confirmed = changed.filter((r) => r.state === 'confirmed').map((r) => String(r.depositId));
  if (confirmed.length === 0) return [];
  const pending =
    await tx`select id from deposits where id = any(${tx.array(confirmed)}::bigint[]) and status = 'pending' order by id`;
  return pending.map((r) => String(r.id));
}

export interface ObservationToSignal {
  depositId: string;
  workflowId: string;
  userId: string;
  invoiceId: string | null;
  currency: string;
  address: string;
  state: ObservationState;
  confirmations: number;
  version: number;
  /** The deposit's own status: a final deposit the listener credited or held needs no workflow, unless it converts. */
  depositStatus: string;
  /** Its user asked for deposits in its currency to be converted (never for an invoice's deposit). */
  converts: boolean;
  /** A token deposit (its sweep needs gas in the wallet). */
  token: boolean;
}

/**
 * Observations whose deposit workflow has not heard of their latest state (the outbox); final states first, since
 * the sweeper waits on them, and tokens before the native currency: the sweeper plans wallets in the order it hears
 * of them, and a token sweep has the longer road (its gas funding must be mined before it is sent).
 */
export async function observationsToSignal(db: Db, chain: string, limit = 500): Promise<ObservationToSignal[]> {
  const rows = await db`
    select o.deposit_id, d.workflow_id, d.user_id, d.invoice_id, d.currency, d.address, o.state, o.confirmations, o.version,
      d.status, o.token_contract is not null as token, d.invoice_id is null and exists (
        select 1 from deposit_auto_conversions c where c.user_id = d.user_id and c.currency = d.currency) as converts
    from evm_deposit_observations o join deposits d on d.id = o.deposit_id
    where o.chain = ${chain} and o.version > o.signalled_version
    order by o.state = 'seen', o.token_contract is null, o.deposit_id limit ${limit}`;
  return rows.map((r) => ({
    depositId: String(r.depositId),
    workflowId: r.workflowId as string,
    userId: r.userId as string,
    invoiceId: (r.invoiceId as string | null) ?? null,
    currency: r.currency as string,
    address: r.address as string,
    state: r.state as ObservationState,
    confirmations: r.confirmations as number,
    version: r.version as number,
    depositStatus: r.status as string,
    converts: r.converts as boolean,
    token: r.token as boolean,
  }));
}

export async function observationOf(
  db: Db,
  depositId: string,
): Promise<{ state: ObservationState; confirmations: number } | null> {
  const [row] = await db`select state, confirmations from evm_deposit_observations where deposit_id = ${depositId}`;
  return row ? { state: row.state as ObservationState, confirmations: row.confirmations as number } : null;
}

/** Confirmation counts of EVM deposits, by deposit id (deposits of other networks have none). */
export async function confirmationsOf(db: Db, depositIds: string[]): Promise<Map<string, number>> {
  if (depositIds.length === 0) return new Map();
  const rows =
    await db`select deposit_id, confirmations from evm_deposit_observations where deposit_id = any(${db.array(depositIds)}::bigint[])`;
  return new Map(rows.map((r) => [String(r.depositId), r.confirmations as number]));
}
