/**
 * The EVM listener's loop. It reads blocks (and the ether their inner calls moved: `InternalTransferScan`), records
 * deposits to deposit addresses, top-ups of custody wallets and where our own transactions were mined, credits the deposits a range confirms and advances its checkpoint, all in one
 * SQL transaction, then lets the outbox signal the workflows beside the loop while it reads the next range. It resumes from its checkpoint minus the reorg depth, catches up in block ranges, then follows new
 * heads. A block whose parent is not the block it recorded means a reorg: it rescans the last reorg-depth blocks,
 * and the recording drops what the replaced blocks held.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonRpcProvider } from 'ethers';
import { RangeChangedError, scanRange, type ScannedBlock, type ScannedTransaction } from '../block-scanner.js';
import { ownReceipts } from '../own-receipts.js';
import type { NewHeads } from '../new-heads.js';
import type { Sql } from '../../../platform/db/client.js';
import { loadCurrencies } from '../../../services/currencies/catalog.js';
import {
  checkpointOf,
  recordScannedRange,
  storedBlockHashes,
  type ObservedDeposit,
} from '../../../services/deposits/evm-observations.js';
import { sendsByTxHashes, type Inclusion } from '../sends-store.js';
import type { Logger } from '../../../platform/log.js';
import type { ListenerOutbox } from '../../../services/deposits/evm-outbox.js';
import { DepositWatchList } from './watch-list.js';
import type { DepositAddressRow } from '../../../services/deposits/evm-addresses-store.js';
import { depositAddressesAfter } from '../../../services/deposits/evm-addresses-store.js';
import { custodyAddresses, type CustodyInflow } from '../../../services/reconciliation/client.js';
import { FIRST_INVOICE_HD_INDEX, invoiceAddressesAfter } from '../../../services/deposits/invoice-destinations.js';
import { raiseAlert } from '../../../services/notifications/client.js';
import { InternalTransferScan, TRACE_METHOD, type NativeTransfer } from './internal-transfer-scan.js';

export interface EvmListenerSettings {
  chain: string;
  confirmations: number;
  reorgDepth: number;
  blockRange: number;
  /** EVM_TRACE_INTERNAL: find ether sent to deposit addresses by contracts (inner calls) in the node's call traces. */
  traceInternal: boolean;
  /** Where a listener without a checkpoint starts; the chain's head when unset. */
  startBlock?: bigint;
}

export class EvmListener {
  private readonly watched: DepositWatchList;
  /** Invoices' addresses (their own HD index space): a deposit there is the invoice's, its merchant the user. */
  private readonly invoices: DepositWatchList<DepositAddressRow & { invoiceId: string }>;
  private tokens = new Map<string, string>(); // token contract → currency code
  private custody = new Set<string>(); // custody wallets (gas keeper, hot, cold): what comes in from outside is a top-up
  private readonly internalTransfers: InternalTransferScan;
  private stopped = false;

  constructor(
    private readonly deps: {
      sql: Sql;
      provider: JsonRpcProvider;
      heads: NewHeads;
      outbox: ListenerOutbox;
      log: Logger;
      settings: EvmListenerSettings;
    },
  ) {
    this.watched = new DepositWatchList((after, gaps) => depositAddressesAfter(deps.sql, after, gaps));
    this.invoices = new DepositWatchList(
      async (after, gaps) => (await invoiceAddressesAfter(deps.sql, after, gaps)).map((r) => ({ ...r, userId: r.merchantId })),
      Date.now,
      FIRST_INVOICE_HD_INDEX,
    );
    this.internalTransfers = new InternalTransferScan({
      provider: deps.provider,
      log: deps.log,
      enabled: deps.settings.traceInternal,
      onUntraceable: async (fromBlock, reason) => {
        await raiseAlert(deps.sql, {
          eventId: `evm-trace-unavailable:${deps.settings.chain}:${fromBlock}`,
          type: 'other',
          kind: 'evm_trace_unavailable',
          severity: 'critical',
          title: `The ${deps.settings.chain} node does not trace blocks: ether contracts send to deposit addresses is not credited`,
          data: { chain: deps.settings.chain, from_block: fromBlock.toString(), method: TRACE_METHOD, reason },
        });
      },
    });
  }

  /** Whose deposit a transfer to `address` is: a user's, or an invoice's; undefined when nobody's. */
  private ownerOf(address: string): { userId: string; invoiceId: string | null } | undefined {
    const invoice = this.invoices.rowOf(address);
    if (invoice) return { userId: invoice.userId, invoiceId: invoice.invoiceId };
    const userId = this.watched.userOf(address);
    return userId ? { userId, invoiceId: null } : undefined;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs until stopped, or until `stillLeading` says another listener may have taken over. */
  async run(stillLeading: () => Promise<boolean> = async () => true): Promise<void> {
    let resuming = true;
    let failures = 0;
    while (!this.stopped) {
      if (!(await stillLeading())) {
        this.deps.log.warn('lost the listener lock; standing down');
        return;
      }
      try {
        // whatever a previous round recorded but could not signal, and our sends an activity found confirmed
        this.deps.outbox.kick();
        await this.catchUp(resuming);
        resuming = false;
        failures = 0;
      } catch (error) {
        failures++;
        const level = error instanceof RangeChangedError ? 'info' : 'warn';
        this.deps.log[level]({ err: error instanceof Error ? error.message : String(error) }, 'listener round failed; retrying');
        await sleep(Math.min(250 * 2 ** failures, 10_000));
        continue;
      }
      await this.deps.heads.next();
    }
    await this.deps.outbox.stop();
  }

  /** Records every block from the checkpoint (minus the reorg depth when resuming) up to the node's head. */
  private async catchUp(resuming: boolean): Promise<void> {
    const { sql, provider, settings } = this.deps;
    const head = BigInt(await provider.getBlockNumber());
    const checkpoint = await checkpointOf(sql, settings.chain);
    const depth = BigInt(settings.reorgDepth);
    let next: bigint;
    if (!checkpoint) next = settings.startBlock ?? head;
    else if (resuming) next = checkpoint.blockNumber - depth + 1n > 0n ? checkpoint.blockNumber - depth + 1n : 0n;
    else next = checkpoint.blockNumber + 1n;
    if (resuming) this.deps.log.info({ from: next.toString(), head: head.toString() }, 'catching up');

    while (next <= head && !this.stopped) {
      const to = next + BigInt(settings.blockRange) - 1n < head ? next + BigInt(settings.blockRange) - 1n : head;
      await this.refreshWatchList();
      const blocks = await scanRange(provider, next, to, [...this.tokens.keys()]);
      const recorded = await storedBlockHashes(sql, settings.chain, next > 0n ? next - 1n : 0n, to);
      const recordedParent = next > 0n ? recorded.get(next - 1n) : undefined;
      if (recordedParent && recordedParent !== blocks[0]!.parentHash) {
        const from = next - depth > 0n ? next - depth : 0n;
        this.deps.log.warn(
          { block: (next - 1n).toString(), rescanFrom: from.toString() },
          'reorg: a recorded block was replaced',
        );
        next = from;
        continue;
      }
      const outcome = await recordScannedRange(sql, settings.chain, await this.toRecord(blocks, recorded), {
        confirmations: settings.confirmations,
        keepBlocks: settings.reorgDepth * 2,
      });
      if (outcome.replacedBlocks.length > 0) {
        this.deps.log.warn(
          { blocks: outcome.replacedBlocks.map(String), droppedDeposits: outcome.droppedDepositIds },
          'reorg: replaced blocks recorded, their unconfirmed deposits dropped',
        );
      }
      if (outcome.newDeposits > 0) this.deps.log.info({ count: outcome.newDeposits, to: to.toString() }, 'deposits seen');
      if (outcome.creditedDepositIds.length > 0) {
        this.deps.log.info({ count: outcome.creditedDepositIds.length, to: to.toString() }, 'deposits confirmed and credited');
      }
      next = to + 1n;
      // the range's deposits are credited already; their workflows and collectors hear of it beside this loop
      this.deps.outbox.kick();
    }
  }

  /**
   * New deposit addresses since the last round, and the token contracts of the network's currencies, disabled ones
   * too: a disabled currency's deposits are recorded and credited as ether's and XRPL's are (the deposit settings
   * decide whether they are held), for nothing would look for them again once the currency is enabled.
   */
  private async refreshWatchList(): Promise<void> {
    await this.watched.refresh();
    await this.invoices.refresh();
    const currencies = await loadCurrencies(this.deps.sql);
    this.tokens = new Map(
      currencies.filter((c) => c.network === 'evm' && c.tokenContract).map((c) => [c.tokenContract!.toLowerCase(), c.code]),
    );
    this.nativeCurrency = currencies.find((c) => c.network === 'evm' && c.tokenContract === null)?.code ?? null;
    this.custody = new Set((await custodyAddresses(this.deps.sql, this.deps.settings.chain)).map((a) => a.address));
  }

  private nativeCurrency: string | null = null;

  /**
   * Deposits to watched addresses, excluding our own fundings and sweeps, which are matched to their sends instead. A
   * withdrawal's payout is ours too, but one that lands on a user's deposit address is that user's deposit. Ether comes
   * as a transaction's own value or through its inner calls (a contract paying out); both count alike.
   */
  private async toRecord(blocks: ScannedBlock[], recorded: Map<bigint, string>) {
    const hashes = blocks.flatMap((b) => b.transactions.map((t) => t.hash));
    const own = await sendsByTxHashes(this.deps.sql, this.deps.settings.chain, hashes);
    const fundingsAndSweeps = new Set([...own].filter(([, send]) => send.purpose !== 'withdrawal').map(([hash]) => hash));
    // traced: a creation, or a call to neither a deposit address (our keys: no code) nor a listed token's contract
    // (vetted: it moves tokens, not ether), unless it is our own funding or sweep
    const mayRunCode = (t: ScannedTransaction) =>
      !fundingsAndSweeps.has(t.hash) && (t.to === null || (!this.ownerOf(t.to) && !this.tokens.has(t.to)));
    // a block recorded before with the same hash (a rescan) has its internal transfers recorded: not traced again
    // (nor could it be on a restarted anvil or a node that has pruned its state)
    const unrecorded = blocks.filter((b) => recorded.get(b.number) !== b.hash);
    const [receipts, internalTransfers] = await Promise.all([
      ownReceipts(this.deps.provider, blocks, new Set(own.keys())),
      this.internalTransfers.find(unrecorded, mayRunCode),
    ]);
    const ownInclusions: Array<{ sendId: string; inclusion: Inclusion }> = [];
    [...own.entries()].forEach(([hash, send]) => {
      const receipt = receipts.get(hash);
      if (!receipt) return; // reorganised away since the block was read; the next round sees the truth
      ownInclusions.push({
        sendId: send.id,
        inclusion: {
          hash,
          blockNumber: BigInt(receipt.blockNumber),
          blockHash: receipt.blockHash.toLowerCase(),
          succeeded: receipt.status !== undefined && BigInt(receipt.status) === 1n,
          gasUsed: BigInt(receipt.gasUsed),
          effectiveGasPrice: BigInt(receipt.effectiveGasPrice ?? receipt.gasPrice!),
        },
      });
    });

    const deposits: ObservedDeposit[] = [];
    const custodyInflows: CustodyInflow[] = [];
    for (const block of blocks) {
      const at = { blockNumber: block.number, blockHash: block.hash };
      const ether: NativeTransfer[] = [
        ...block.transactions.flatMap((t) =>
          t.to ? [{ txHash: t.hash, eventIndex: 0, from: t.from, to: t.to, value: t.value }] : [],
        ),
        ...(internalTransfers.get(block.hash) ?? []),
      ];
      for (const t of ether) {
        if (this.custody.has(t.to) && t.value > 0n && !own.has(t.txHash) && this.nativeCurrency) {
          custodyInflows.push({
            txHash: t.txHash,
            eventIndex: t.eventIndex,
            eventKey: String(t.eventIndex),
            address: t.to,
            currency: this.nativeCurrency,
            amount: t.value,
            from: t.from,
            ...at,
          });
        }
        const owner = this.ownerOf(t.to);
        if (!owner || t.value <= 0n || fundingsAndSweeps.has(t.txHash) || !this.nativeCurrency) continue;
        deposits.push({
          ...owner,
          currency: this.nativeCurrency,
          amount: t.value,
          txHash: t.txHash,
          eventIndex: t.eventIndex,
          eventKey: String(t.eventIndex),
          address: t.to,
          tokenContract: null,
          from: t.from,
          ...at,
        });
      }
      for (const t of block.tokenTransfers) {
        const owner = this.ownerOf(t.to);
        const currency = this.tokens.get(t.token);
        if (this.custody.has(t.to) && currency && t.value > 0n && !own.has(t.txHash)) {
          custodyInflows.push({
            txHash: t.txHash,
            eventIndex: t.logIndex,
            eventKey: t.key,
            address: t.to,
            currency,
            amount: t.value,
            from: t.from,
            ...at,
          });
        }
        if (!owner || !currency || t.value <= 0n || fundingsAndSweeps.has(t.txHash)) continue;
        deposits.push({
          ...owner,
          currency,
          amount: t.value,
          txHash: t.txHash,
          eventIndex: t.logIndex,
          eventKey: t.key,
          address: t.to,
          tokenContract: t.token,
          from: t.from,
          ...at,
        });
      }
    }
    return {
      blocks: blocks.map((b) => ({ number: b.number, hash: b.hash, parentHash: b.parentHash })),
      deposits,
      ownInclusions,
      custodyInflows,
    };
  }
}
