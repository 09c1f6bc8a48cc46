/**
 * The receipts of our own transactions in scanned blocks, read raw (as the blocks are: ethers' receipts checksum every
 * address and log of each): one `eth_getBlockReceipts` per block holding any, by the block's hash, so they are that
 * block's. A burst's block holds hundreds of our sends, and asking one receipt each cost the listener 0.2–0.5 s on
 * anvil inside the round that credits the deposits the block confirms. A node without that method (or failing it) is
 * asked one `eth_getTransactionReceipt` each, in one JSON-RPC batch, as before.
 */
import type { JsonRpcProvider } from 'ethers';
import type { ScannedBlock } from './block-scanner.js';

/** The fields of a receipt that record where our send was mined (hex quantities). */
export interface RpcReceipt {
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  status?: string;
  gasUsed: string;
  effectiveGasPrice?: string;
  /** What nodes from before EIP-1559 give instead (ethers reads either). */
  gasPrice?: string;
}

type Rpc = Pick<JsonRpcProvider, 'send'>;

/** Receipts by transaction hash (lower case) for `own` hashes in `blocks`; one the node has not (reorganised away) is absent. */
export async function ownReceipts(provider: Rpc, blocks: ScannedBlock[], own: Set<string>): Promise<Map<string, RpcReceipt>> {
  const receipts = new Map<string, RpcReceipt>();
  await Promise.all(
    blocks.map(async (block) => {
      const ours = block.transactions.map((t) => t.hash).filter((hash) => own.has(hash));
      if (ours.length === 0) return;
      const all = await blockReceipts(provider, block.hash, ours);
      for (const receipt of all) {
        const hash = receipt?.transactionHash.toLowerCase();
        if (receipt && hash && own.has(hash)) receipts.set(hash, receipt);
      }
    }),
  );
  return receipts;
}

async function blockReceipts(provider: Rpc, blockHash: string, ours: string[]): Promise<Array<RpcReceipt | null>> {
  try {
    // null: the block is no longer the node's (a reorg since it was read): none of ours is there
    return ((await provider.send('eth_getBlockReceipts', [blockHash])) as RpcReceipt[] | null) ?? [];
  } catch {
    return Promise.all(ours.map((hash) => provider.send('eth_getTransactionReceipt', [hash]) as Promise<RpcReceipt | null>));
  }
}
