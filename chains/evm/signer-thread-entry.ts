/**
 * The signer thread (started by signer-thread.ts): derives deposit wallets from the seed it was started with and signs
 * transactions, one request at a time. A request that fails is answered with its error message; keys never leave.
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

parentPort!.on('message', (request: SignerRequest) => parentPort!.postMessage(answer(request)));
