/**
 * The signer thread's module with a way to kill it (test/unit/signer-thread.test.ts): asked to sign nonce 666, the
 * thread exits instead of answering, as one that crashed would.
 */
import { parentPort } from 'node:worker_threads';
import { Transaction } from 'ethers';
import type { SignerReply } from '../../chains/evm/signer-thread-messages.js';

const DEADLY_NONCE = 666;

// the answers are watched rather than the requests: a port hands its messages to the first listener attached, which
// must be the entry's
const answer = parentPort!.postMessage.bind(parentPort);
parentPort!.postMessage = (reply: SignerReply) => {
  if (reply.ok && typeof reply.value !== 'string' && Transaction.from(reply.value.raw).nonce === DEADLY_NONCE) process.exit(3);
  answer(reply);
};
await import('../../chains/evm/signer-thread-entry.js');
