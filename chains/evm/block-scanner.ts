/**
 * Reads a range of blocks from an EVM node: each block's hash and parent (reorg detection), its transactions
 * (native transfers) and the ERC-20 `Transfer` logs of the watched tokens. The range is checked to be one chain
 * (every parent hash links, every log belongs to the block fetched); a range that changed while it was read is
 * read again.
 */
import type { JsonRpcProvider } from 'ethers';
import { parseTransferLog, TRANSFER_TOPIC } from './erc20.js';
import { tokenTransferKey } from '../../domain/deposits/credit.js';

export interface ScannedTransaction {
  hash: string;
  from: string;
  to: string | null;
  value: bigint;
}

export interface ScannedTokenTransfer {
  txHash: string;
  /** Counts the logs of the whole block: where the transfer was seen, not what it is (`key`). */
  logIndex: number;
  /** Its identity in its transaction, whatever block holds it (`tokenTransferKey`; transfers of nothing are not ranked). */
  key: string;
  token: string;
  from: string;
  to: string;
  value: bigint;
}

export interface ScannedBlock {
  number: bigint;
  hash: string;
  parentHash: string;
  transactions: ScannedTransaction[];
  tokenTransfers: ScannedTokenTransfer[];
}

interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  transactions: Array<{ hash: string; from: string; to: string | null; value: string }>;
}

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

export class RangeChangedError extends Error {}

/** Blocks `from`..`to` (inclusive) with their transactions and the tokens' Transfer logs. */
export async function scanRange(provider: JsonRpcProvider, from: bigint, to: bigint, tokens: string[]): Promise<ScannedBlock[]> {
  const numbers: bigint[] = [];
  for (let n = from; n <= to; n++) numbers.push(n);
  // concurrent requests of one tick go to the node as one JSON-RPC batch
  const [rpcBlocks, logs] = await Promise.all([
    Promise.all(numbers.map((n) => provider.send('eth_getBlockByNumber', [hex(n), true]) as Promise<RpcBlock | null>)),
    tokens.length === 0
      ? Promise.resolve([] as RpcLog[])
      : (provider.send('eth_getLogs', [
          { fromBlock: hex(from), toBlock: hex(to), address: tokens, topics: [TRANSFER_TOPIC] },
        ]) as Promise<RpcLog[]>),
  ]);

  const blocks: ScannedBlock[] = [];
  const byHash = new Map<string, ScannedBlock>();
  for (const raw of rpcBlocks) {
    if (!raw) throw new RangeChangedError('a block of the range is not available (the node is behind or reorganising)');
    const block: ScannedBlock = {
      number: BigInt(raw.number),
      hash: raw.hash.toLowerCase(),
      parentHash: raw.parentHash.toLowerCase(),
      transactions: raw.transactions.map((t) => ({
        hash: t.hash.toLowerCase(),
        from: t.from.toLowerCase(),
        to: t.to?.toLowerCase() ?? null,
        value: BigInt(t.value),
      })),
      tokenTransfers: [],
    };
    const previous = blocks[blocks.length - 1];
    if (previous && block.parentHash !== previous.hash)
      throw new RangeChangedError(`block ${block.number} does not follow ${previous.number}`);
    blocks.push(block);
    byHash.set(block.hash, block);
  }
  // ranked in log order, which within a transaction is its own: a transfer's rank is the same in any block
  const inOrder = logs.map((log) => ({ log, index: Number(BigInt(log.logIndex)) })).sort((a, b) => a.index - b.index);
  const ranks = new Map<string, number>(); // tx:token:to → positive transfers ranked so far
  for (const { log, index } of inOrder) {
    const block = byHash.get(log.blockHash.toLowerCase());
    if (log.removed || !block) throw new RangeChangedError('a log belongs to a block that is no longer in the range');
    const transfer = parseTransferLog(log);
    if (!transfer) continue;
    const txHash = log.transactionHash.toLowerCase();
    const counted = `${txHash}:${transfer.token}:${transfer.to}`;
    const rank = ranks.get(counted) ?? 0;
    if (transfer.value > 0n) ranks.set(counted, rank + 1);
    const key = tokenTransferKey(transfer.token, transfer.to, rank);
    block.tokenTransfers.push({ txHash, logIndex: index, key, ...transfer });
  }
  return blocks;
}
