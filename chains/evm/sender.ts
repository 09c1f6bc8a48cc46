/**
 * The transaction sender for every key whose nonce Sluice owns (gas keeper, deposit wallets, later hot wallets).
 * A send is keyed by its business key: it reserves a nonce, signs, and stores the signed transaction and its hash
 * in Postgres BEFORE broadcasting. Asking again with the same key rebroadcasts what was stored instead of signing
 * anything new, so a worker killed after sending reconciles instead of sending twice. A send not mined in time can
 * be resubmitted with higher fees (same nonce: only one of its attempts can ever be mined).
 */
import { getAddress, keccak256, type HDNodeWallet, type JsonRpcProvider, type Wallet } from 'ethers';
import { BatchLoader } from '../../platform/batch-loader.js';
import type { Sql } from '../../platform/db/client.js';
import {
  insertAttempt,
  insertSend,
  markBroadcast,
  openSends,
  recordInclusion,
  reserveNonces,
  sendsByKeys,
  type Inclusion,
  type Send,
} from './sends-store.js';
import { bumpedFees, confirmationsAt } from '../../domain/collection/rules.js';
import type { FeeQuote } from './provider.js';

export type Signer = Wallet | HDNodeWallet;

export interface SendRequest {
  /** Unique per chain: the same key always means the same transaction (one nonce). */
  key: string;
  purpose: string;
  to: string;
  value: bigint;
  data?: string;
  gasLimit: bigint;
  fees: FeeQuote;
  /** Workflow IDs the listener signals when this send is confirmed. */
  notify?: string[];
}

export interface SendState {
  send: Send;
  confirmations: number;
  confirmed: boolean;
}

/** Answers a node gives when it already has the transaction. */
const ALREADY_KNOWN = /already known|already imported|known transaction/i;
/** The nonce is used: fine if one of the send's attempts was mined, alarming if not. */
const NONCE_USED = /nonce too low|nonce has already been used/i;

function rpcMessage(error: unknown): string {
  const e = error as {
    error?: { message?: string };
    info?: { error?: { message?: string } };
    shortMessage?: string;
    message?: string;
  };
  return e.error?.message ?? e.info?.error?.message ?? e.shortMessage ?? e.message ?? String(error);
}

export class EvmSender {
  /** Sends looked up by key together (a sweeper's tick asks after hundreds at once) are read with one query. */
  private readonly byKey: BatchLoader<string, Send>;

  constructor(
    private readonly deps: { sql: Sql; provider: JsonRpcProvider; chain: string; chainId: bigint; confirmations: number },
  ) {
    this.byKey = new BatchLoader((keys) => sendsByKeys(deps.sql, deps.chain, keys));
  }

  /** Sends one transaction (or finds the stored one for this key and makes sure it was broadcast). */
  async send(signer: Signer, request: SendRequest): Promise<Send> {
    return (await this.sendMany(signer, [request]))[0]!;
  }

  /**
   * Sends several transactions from one key: consecutive nonces are reserved and every transaction stored in one SQL
   * transaction, then all are broadcast together. Keys already stored are not signed again.
   */
  async sendMany(signer: Signer, requests: SendRequest[]): Promise<Send[]> {
    const { sql, chain } = this.deps;
    const from = signer.address.toLowerCase();
    const chainCount = BigInt(await this.deps.provider.getTransactionCount(signer.address, 'latest'));
    await sql.begin(async (tx) => {
      const existing = await sendsByKeys(
        tx,
        chain,
        requests.map((r) => r.key),
      );
      const fresh = requests.filter((r) => !existing.has(r.key));
      if (fresh.length === 0) return;
      let nonce = await reserveNonces(tx, chain, from, fresh.length, chainCount);
      for (const request of fresh) {
        const data = request.data ?? '0x';
        const sendId = await insertSend(tx, {
          chain,
          key: request.key,
          purpose: request.purpose,
          from,
          to: request.to.toLowerCase(),
          value: request.value,
          data,
          nonce,
          gasLimit: request.gasLimit,
          notify: request.notify ?? [],
        });
        const raw = await this.sign(signer, {
          to: request.to,
          value: request.value,
          data,
          nonce,
          gasLimit: request.gasLimit,
          fees: request.fees,
        });
        await insertAttempt(tx, sendId, { attempt: 1, ...raw, ...request.fees });
        nonce += 1n;
      }
    });
    const stored = await sendsByKeys(
      sql,
      chain,
      requests.map((r) => r.key),
    );
    const sends = requests.map((r) => stored.get(r.key)!);
    // all at once (the provider sends them as one JSON-RPC batch): none waits for another's answer, and a node keeps a
    // later nonce until the earlier one arrives; one that failed is stored unbroadcast, and reconcile sends it
    await Promise.all(sends.filter((send) => send.status === 'pending').map((send) => this.broadcast(send)));
    return sends;
  }

  /** Where a send stands on chain now, from the node's receipts (the listener's view may lag or be down). */
  async refresh(send: Send): Promise<SendState> {
    if (send.status === 'confirmed') return { send, confirmations: this.deps.confirmations, confirmed: true };
    const [head, inclusion] = await Promise.all([this.deps.provider.getBlockNumber(), this.findInclusion(send)]);
    const confirmations = inclusion ? confirmationsAt(inclusion.blockNumber, BigInt(head)) : 0;
    const confirmed = confirmations >= this.deps.confirmations;
    if (inclusion?.hash !== send.minedHash || inclusion?.blockHash !== send.blockHash || confirmed) {
      await recordInclusion(this.deps.sql, send.id, inclusion, confirmed);
      send = (await sendsByKeys(this.deps.sql, send.chain, [send.key])).get(send.key)!;
    }
    return { send, confirmations, confirmed };
  }

  async stateOf(key: string): Promise<SendState | null> {
    const send = await this.byKey.get(key);
    return send ? this.refresh(send) : null;
  }

  /**
   * Reconciles the unfinished sends of a key that have waited longer than `staleAfterMs`: records what was mined,
   * and resubmits with higher fees (a new attempt, same nonce) or rebroadcasts what is still not mined. Younger sends
   * are left alone (the listener records them), except one never broadcast, which is broadcast at once. Returns every unfinished send, reconciled or not.
   */
  async reconcile(signer: Signer, options: { staleAfterMs: number; bump: boolean }): Promise<Send[]> {
    const open: Send[] = [];
    for (const send of await openSends(this.deps.sql, this.deps.chain, signer.address.toLowerCase())) {
      const last = send.attempts[send.attempts.length - 1]!;
      if (send.status === 'pending' && last.broadcastAt === null) {
        // stored, never broadcast (the process died in between): sent now as it is, not after waiting to go stale
        await this.broadcast(send);
        open.push(send);
        continue;
      }
      if (Date.now() - (last.broadcastAt ?? last.createdAt).getTime() <= options.staleAfterMs) {
        open.push(send);
        continue;
      }
      const state = await this.refresh(send);
      if (state.confirmed) continue;
      if (state.send.status === 'pending') {
        if (options.bump) {
          open.push(await this.resubmit(signer, state.send));
          continue;
        }
        await this.broadcast(state.send);
      }
      open.push(state.send);
    }
    return open;
  }

  /** A new attempt of a pending send with fees raised enough for nodes to replace the old one. */
  private async resubmit(signer: Signer, send: Send): Promise<Send> {
    const last = send.attempts[send.attempts.length - 1]!;
    const fees = bumpedFees(last);
    const raw = await this.sign(signer, {
      to: send.to,
      value: send.value,
      data: send.data,
      nonce: send.nonce,
      gasLimit: send.gasLimit,
      fees,
    });
    await this.deps.sql.begin(async (tx) => {
      await insertAttempt(tx, send.id, { attempt: last.attempt + 1, ...raw, ...fees });
    });
    const bumped = (await sendsByKeys(this.deps.sql, send.chain, [send.key])).get(send.key)!;
    await this.broadcast(bumped);
    return bumped;
  }

  private async sign(
    signer: Signer,
    t: { to: string; value: bigint; data: string; nonce: bigint; gasLimit: bigint; fees: FeeQuote },
  ) {
    const raw = await signer.signTransaction({
      type: 2,
      chainId: this.deps.chainId,
      to: getAddress(t.to),
      value: t.value,
      data: t.data,
      nonce: Number(t.nonce),
      gasLimit: t.gasLimit,
      maxFeePerGas: t.fees.maxFeePerGas,
      maxPriorityFeePerGas: t.fees.maxPriorityFeePerGas,
    });
    return { raw, txHash: keccak256(raw) };
  }

  /** Broadcasts the newest attempt; a node that already has it (or mined an earlier attempt) is not an error. */
  private async broadcast(send: Send): Promise<void> {
    const last = send.attempts[send.attempts.length - 1]!;
    try {
      await this.deps.provider.send('eth_sendRawTransaction', [last.raw]);
    } catch (error) {
      const message = rpcMessage(error);
      if (ALREADY_KNOWN.test(message)) {
        // the node has it: nothing to do
      } else if (NONCE_USED.test(message) && (await this.findInclusion(send))) {
        return; // an attempt was mined; refresh records it
      } else if (NONCE_USED.test(message)) {
        throw new Error(`nonce ${send.nonce} of ${send.from} was used by a transaction Sluice did not send (send ${send.key})`);
      } else {
        throw error;
      }
    }
    if (!last.broadcastAt) await markBroadcast(this.deps.sql, send.id, last.attempt);
  }

  /** The attempt the chain mined, if any (newest first: a bump is the likelier one). */
  private async findInclusion(send: Send): Promise<Inclusion | null> {
    for (const attempt of [...send.attempts].reverse()) {
      const receipt = await this.deps.provider.getTransactionReceipt(attempt.txHash);
      if (receipt) {
        return {
          hash: attempt.txHash,
          blockNumber: BigInt(receipt.blockNumber),
          blockHash: receipt.blockHash,
          succeeded: receipt.status === 1,
          gasUsed: receipt.gasUsed,
          effectiveGasPrice: receipt.gasPrice,
        };
      }
    }
    return null;
  }
}
