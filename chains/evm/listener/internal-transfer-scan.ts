/**
 * Finds the ether that inner calls moved in scanned blocks, through the node's tracing API: one
 * `debug_traceBlockByHash` with geth's `callTracer` per block that may hold some (geth serves it, as do Erigon,
 * Nethermind, Reth and anvil; parity's `trace_block` is not in geth), by the block's hash, so the trace is of the very
 * block read. Only blocks where a transaction may run code are traced (the caller says which: `mayRunCode`); whether
 * it succeeded is not asked first (that takes the block's receipts, a call about as dear as the trace), the trace
 * itself says which frames failed.
 *
 * A node that answers that it cannot trace (the method not served or its namespace off, the block's state pruned, a
 * transaction it failed to trace) is told once: a warning and the caller's alert, while top-level deposits go on being
 * recorded; it is asked again each round and its recovery logged. A failure without such an answer (the connection,
 * a block gone in a reorg) fails the round, which is retried.
 */
import type { JsonRpcProvider } from 'ethers';
import { RangeChangedError, type ScannedBlock, type ScannedTransaction } from '../block-scanner.js';
import type { Logger } from '../../../platform/log.js';
import { internalTransferIndex, internalTransfers, type CallFrame } from './internal-transfers.js';

/** Ether moved to `to`: by a transaction itself (event index 0) or by one of its inner calls. */
export interface NativeTransfer {
  txHash: string;
  eventIndex: number;
  from: string;
  to: string;
  value: bigint;
}

type Rpc = Pick<JsonRpcProvider, 'send'>;

/** One transaction's entry in a block trace; `txHash` is missing from older nodes' answers. */
interface TransactionTrace {
  txHash?: string;
  result?: CallFrame;
  error?: string;
}

/** The node's answer that it cannot trace the block, and why. */
interface Untraceable {
  untraceable: string;
}

export const TRACE_METHOD = 'debug_traceBlockByHash';

export class InternalTransferScan {
  /** The first block the node could not trace, while it cannot. */
  private untraceableSince: bigint | null = null;

  constructor(
    private readonly deps: {
      provider: Rpc;
      log: Logger;
      /** EVM_TRACE_INTERNAL: off, nothing is traced. */
      enabled: boolean;
      /** Tells operators the node does not trace blocks from `fromBlock` on (an alert). */
      onUntraceable: (fromBlock: bigint, reason: string) => Promise<void>;
    },
  ) {}

  /** The internal transfers of the transactions `mayRunCode` picks, by block hash. */
  async find(blocks: ScannedBlock[], mayRunCode: (t: ScannedTransaction) => boolean): Promise<Map<string, NativeTransfer[]>> {
    const found = new Map<string, NativeTransfer[]>();
    if (!this.deps.enabled) return found;
    const toTrace = blocks.filter((b) => b.transactions.some(mayRunCode));
    // concurrent requests of one tick go to the node as one JSON-RPC batch
    const traced = await Promise.all(toTrace.map((b) => this.trace(b, mayRunCode)));
    toTrace.forEach((block, i) => {
      const transfers = traced[i]!;
      if (Array.isArray(transfers)) found.set(block.hash, transfers);
    });
    const failed = traced.findIndex((t) => !Array.isArray(t));
    if (failed >= 0) await this.untraceable(toTrace[failed]!.number, (traced[failed] as Untraceable).untraceable);
    else if (toTrace.length > 0) this.traceable();
    return found;
  }

  private async trace(block: ScannedBlock, mayRunCode: (t: ScannedTransaction) => boolean) {
    let traces: TransactionTrace[] | null;
    try {
      traces = (await this.deps.provider.send(TRACE_METHOD, [block.hash, { tracer: 'callTracer' }])) as TransactionTrace[] | null;
    } catch (error) {
      const reason = untraceableReason(error);
      if (reason === null) throw error;
      return { untraceable: reason };
    }
    if (!traces) throw new RangeChangedError(`block ${block.number} is no longer the node's (a reorg since it was read)`);
    return transfersOf(block, traces, mayRunCode);
  }

  private async untraceable(fromBlock: bigint, reason: string): Promise<void> {
    if (this.untraceableSince !== null) return;
    this.deps.log.warn(
      { method: TRACE_METHOD, fromBlock: fromBlock.toString(), reason },
      'the EVM node does not trace blocks: ether that contracts send to deposit addresses is not seen, only top-level ' +
        'transfers are (have it serve call traces, or set EVM_TRACE_INTERNAL=false)',
    );
    await this.deps.onUntraceable(fromBlock, reason);
    this.untraceableSince = fromBlock;
  }

  private traceable(): void {
    if (this.untraceableSince === null) return;
    this.deps.log.info({ since: this.untraceableSince.toString() }, 'the EVM node traces blocks again');
    this.untraceableSince = null;
  }
}

/** The internal transfers of a block's picked transactions, its trace checked to be that block's. */
function transfersOf(
  block: ScannedBlock,
  traces: TransactionTrace[],
  mayRunCode: (t: ScannedTransaction) => boolean,
): NativeTransfer[] | Untraceable {
  const notThisBlock = () => new RangeChangedError(`the trace of block ${block.number} does not hold its transactions`);
  if (traces.length !== block.transactions.length) throw notThisBlock();
  const transfers: NativeTransfer[] = [];
  for (const [i, t] of block.transactions.entries()) {
    const trace = traces[i]!;
    if (trace.txHash !== undefined && trace.txHash.toLowerCase() !== t.hash) throw notThisBlock();
    if (!mayRunCode(t)) continue;
    if (!trace.result) return { untraceable: `${t.hash}: ${trace.error ?? 'no trace'}` };
    for (const moved of internalTransfers(trace.result)) {
      const { from, to, value } = moved;
      transfers.push({ txHash: t.hash, eventIndex: internalTransferIndex(moved.position), from, to, value });
    }
  }
  return transfers;
}

interface RpcError {
  code?: number;
  message?: string;
}

/**
 * Why the node answered that it cannot trace, or null for any other failure: the method not served (JSON-RPC's
 * "method not found" -32601, EIP-1474's "method not supported" -32004, or a message saying so, such as geth's "the
 * method … does not exist/is not available", which ethers wraps as UNSUPPORTED_OPERATION), or the block's state gone
 * (geth's "required historical state unavailable" past its 128 blocks, a pruned node's "missing trie node").
 */
export function untraceableReason(error: unknown): string | null {
  const wrapped = error as { error?: RpcError; info?: { error?: RpcError } } | null;
  const rpc = wrapped?.error ?? wrapped?.info?.error;
  if (!rpc) return null;
  const message = rpc.message ?? '';
  const cannot =
    rpc.code === -32601 ||
    rpc.code === -32004 ||
    /method .*(does not exist|not (found|supported|available|enabled))|unsupported method/i.test(message) ||
    /historical state|state (is )?(not available|unavailable)|missing trie node|pruned/i.test(message);
  return cannot ? `${rpc.code ?? ''} ${message}`.trim() : null;
}
