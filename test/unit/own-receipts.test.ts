/**
 * The listener's receipts of our own sends: one `eth_getBlockReceipts` per block holding any (by its hash), only ours
 * kept; a node that fails that method is asked per transaction; a block gone from the node gives none.
 */
import { describe, expect, it } from 'vitest';
import { ownReceipts, type RpcReceipt } from '../../chains/evm/own-receipts.js';
import type { ScannedBlock } from '../../chains/evm/block-scanner.js';

const block = (n: number, hashes: string[]): ScannedBlock => ({
  number: BigInt(n),
  hash: `0xb${n}`,
  parentHash: `0xb${n - 1}`,
  transactions: hashes.map((hash) => ({ hash, from: '0xf', to: '0xt', value: 1n })),
  tokenTransfers: [],
});
const receipt = (hash: string, blockHash: string): RpcReceipt => ({
  transactionHash: hash.toUpperCase().replace('0X', '0x'),
  blockNumber: '0x1',
  blockHash,
  status: '0x1',
  gasUsed: '0x5208',
  effectiveGasPrice: '0x7',
});

/** A node answering from `chain` (block hash → its transactions), recording what it was asked. */
function node(chain: Map<string, string[]>, blockReceipts: 'supported' | 'unsupported') {
  const asked: string[] = [];
  const send = async (method: string, [arg]: [string]) => {
    asked.push(`${method} ${arg}`);
    if (method === 'eth_getBlockReceipts') {
      if (blockReceipts === 'unsupported') throw new Error('the method eth_getBlockReceipts does not exist');
      const hashes = chain.get(arg);
      return hashes ? hashes.map((hash) => receipt(hash, arg)) : null;
    }
    const at = [...chain].find(([, hashes]) => hashes.includes(arg));
    return at ? receipt(arg, at[0]) : null;
  };
  return { provider: { send } as never, asked };
}

describe("the listener's receipts of our sends", () => {
  const blocks = [block(1, ['0xa1', '0xd1', '0xa2']), block(2, ['0xd2']), block(3, ['0xa3'])];
  const chain = new Map(blocks.map((b) => [b.hash, b.transactions.map((t) => t.hash)]));
  const own = new Set(['0xa1', '0xa2', '0xa3']);

  it('asks each block holding ours for all its receipts at once, and keeps ours', async () => {
    const { provider, asked } = node(chain, 'supported');
    const receipts = await ownReceipts(provider, blocks, own);
    expect(asked.sort()).toEqual(['eth_getBlockReceipts 0xb1', 'eth_getBlockReceipts 0xb3']);
    expect([...receipts.keys()].sort()).toEqual(['0xa1', '0xa2', '0xa3']);
    expect(receipts.get('0xa3')!.blockHash).toBe('0xb3');
  });

  it('asks per transaction when the node fails the block method', async () => {
    const { provider, asked } = node(chain, 'unsupported');
    const receipts = await ownReceipts(provider, blocks, own);
    expect(asked.filter((a) => a.startsWith('eth_getTransactionReceipt')).sort()).toEqual([
      'eth_getTransactionReceipt 0xa1',
      'eth_getTransactionReceipt 0xa2',
      'eth_getTransactionReceipt 0xa3',
    ]);
    expect([...receipts.keys()].sort()).toEqual(['0xa1', '0xa2', '0xa3']);
  });

  it('gives none for a block the node no longer has', async () => {
    const { provider } = node(new Map([['0xb3', ['0xa3']]]), 'supported');
    const receipts = await ownReceipts(provider, blocks, own);
    expect([...receipts.keys()]).toEqual(['0xa3']);
  });
});
