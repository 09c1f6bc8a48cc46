/**
 * The signer thread (started by signer-thread.ts): derives deposit wallets from the seed it was started with and signs
 * transactions, one request at a time, the most urgent first (`urgency`). A request that fails is answered with its
 * error message; keys never leave.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SigningKey } from 'ethers';
import { DepositWallets } from './hd-wallets.js';
import type { KeySource, SignerReply, SignerRequest, SignerThreadData } from './signer-thread-messages.js';
import { signTransaction, type SignedTx } from './tx-signing.js';

const { depositPhrase } = workerData as SignerThreadData;
const deposits = depositPhrase === null ? null : new DepositWallets(depositPhrase);

function depositWallets(): DepositWallets {
  if (!deposits) throw new Error('this signer thread was started without a deposit seed');
  return deposits;
}

function signingKey(key: KeySource): SigningKey {
  return 'deposit' in key ? depositWallets().walletAt(key.deposit).signingKey : new SigningKey(key.privateKey);
}

function valueOf(request: SignerRequest): string | SignedTx {
  switch (request.op) {
    case 'ready':
      return 'ready';
    case 'address':
      return depositWallets().walletAt(request.index).address;
    case 'sign':
      return signTransaction(signingKey(request.key), request.tx);
  }
}

function answer(request: SignerRequest): SignerReply {
  try {
    return { id: request.id, ok: true, value: valueOf(request) };
  } catch (error) {
    return { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Which waiting request goes next: a given key's signatures (the gas keeper's fundings, a hot wallet's withdrawals),
 * then deposit wallets' signatures, then derivations, then signatures of held transactions. The token sweeps of a
 * burst wait for the keeper's fundings to be mined, so they go before hundreds of sweeps; a signature completes a
 * sender's batch, which holds every later send back, while a derivation is asked for ahead of time or by one lane
 * alone; a held transaction (a token sweep signed while its funding is mined) is broadcast a block later at the soonest.
 */
function urgency(request: SignerRequest): number {
  if (request.op === 'address') return 2;
  if (request.op === 'sign' && request.held) return 3;
  if (request.op === 'sign' && 'deposit' in request.key) return 1;
  return 0;
}

const waiting: SignerRequest[][] = [[], [], [], []];
let scheduled = false;

/**
 * One request a turn: the requests that arrived meanwhile are queued (the port's messages come between turns) before
 * the next is picked, so an urgent one waits for one answer at most, whatever the worker's event loop is doing.
 */
function answerNext(): void {
  scheduled = false;
  const request = waiting.find((queue) => queue.length > 0)?.shift();
  if (!request) return;
  parentPort!.postMessage(answer(request));
  schedule();
}

function schedule(): void {
  if (scheduled || waiting.every((queue) => queue.length === 0)) return;
  scheduled = true;
  setImmediate(answerNext);
}

parentPort!.on('message', (request: SignerRequest) => {
  waiting[urgency(request)]!.push(request);
  schedule();
});
