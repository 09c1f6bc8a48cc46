/**
 * Where the EVM deposit listener has got to: the last block it recorded, by number and hash (a reorg changes the hash).
 * Deposits keep it; collection reads it to know which deposits are final enough to sweep.
 */
export interface Checkpoint {
  blockNumber: bigint;
  blockHash: string;
}
