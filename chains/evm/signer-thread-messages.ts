/** What the worker's event loop and its signer thread say to each other (signer-thread.ts, signer-thread-entry.ts). */
import type { SignedTx, UnsignedTx } from './tx-signing.js';

/** The key to sign with: a deposit wallet's, derived in the thread from the seed it was started with, or one given. */
export type KeySource = { deposit: number } | { privateKey: string };

export type SignerRequest = { id: number } & (
  { op: 'ready' } | { op: 'address'; index: number } | { op: 'sign'; key: KeySource; tx: UnsignedTx; held: boolean }
);

export type SignerReply = { id: number } & ({ ok: true; value: string | SignedTx } | { ok: false; error: string });

/** The thread's start-up data: the deposit wallets' seed, when this worker sweeps them. */
export interface SignerThreadData {
  depositPhrase: string | null;
}
