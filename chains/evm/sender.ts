/**
 * The transaction sender for every key whose nonce Sluice owns (gas keeper, deposit wallets, later hot wallets).
 * A send is keyed by its business key: it reserves a nonce, signs, and stores the signed transaction and its hash
 * in Postgres BEFORE broadcasting. Asking again with the same key rebroadcasts what was stored instead of signing
 * anything new, so a worker killed after sending reconciles instead of sending twice. A send can also be stored
 * without its broadcast (`hold`: a token sweep whose gas funding is not mined yet, which the node would refuse) and
 * broadcast later as stored (`release`, or `send` with the same key). A send not mined in time can
 * be resubmitted with higher fees (same nonce: only one of its attempts can ever be mined).
 */
import type { JsonRpcProvider } from 'ethers';
import { BatchQueue, batchedLookup, retryOnRace } from '../../platform/db/batch-queue.js';
import type { Sql } from '../../platform/db/client.js';
import {
  insertAttempts,
  insertSends,
  markBroadcast,
  openSends,
  recordInclusion,
  reserveNonces,
  sendsByKeys,
  type Inclusion,
  type NewSend,
  type Send,
} from './sends-store.js';
import { bumpedFees, confirmationsAt } from '../../domain/collection/rules.js';
import type { FeeQuote } from './provider.js';
import type { Signer } from './signer-thread.js';
import type { SignedTx } from './tx-signing.js';

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

/** One transaction to send, from one key. */
interface SendJob {
  signer: Signer;
  request: SendRequest;
}
/** Broadcast once stored (`send`), or held stored until asked again (`hold`). */
type Disposal = 'broadcast' | 'hold';
type Outcome = { send: Send } | { error: unknown };
/** The send of an outcome, or its error thrown. */
function sentOrThrow(outcome: Outcome): Send {
  if ('error' in outcome) throw outcome.error;
  return outcome.send;
}
/** Sends stored in one SQL transaction and broadcast together at most. */
const SENDS_PER_BATCH = 500;
/**
 * Batches of a queue written at once: sends asked for while one batch is written start the next at once instead of
 * waiting for it (a burst of 500 asks its sweeps over a second or two: in session 14's trace, 145 ETH sweeps asked
 * while a batch of 150 token sweeps was written waited 0.6 s for it, then took 0.7 s of their own). Safe under every
 * interleaving: each batch reserves its keys' nonces under row locks taken in address order and held until it
 * commits (a key in both waits for the first, never crosswise), and a key stored by both fails the second's
 * transaction on the unique key (that batch is then read and stored again, and finds it stored: only broadcast).
 */
const BATCHES_IN_FLIGHT = 2;

export class EvmSender {
  /** Sends looked up by key together (a sweeper's tick asks after hundreds at once) are read with one query. */
  private readonly byKey: (key: string) => Promise<Send | undefined>;
  /**
   * Sends asked for together, from any keys, are stored in one SQL transaction and broadcast as one batch (group
   * commit: those asked for while a batch is written go in the next); a batch that throws is tried one send at a time.
   */
  private readonly sending: BatchQueue<SendJob, Outcome>;
  /**
   * Sends held (stored, not broadcast) go in batches of their own, signed after every signature of a send to broadcast
   * now: a batch of sends waits for all its signatures, so held ones in it would hold back sends due on the wire.
   */
  private readonly holding: BatchQueue<SendJob, Outcome>;
  /** Held sends released together, broadcast together: each answered with its failure, if it failed. */
  private readonly releasing: BatchQueue<Send, unknown>;

  constructor(
    private readonly deps: { sql: Sql; provider: JsonRpcProvider; chain: string; chainId: bigint; confirmations: number },
  ) {
    this.byKey = batchedLookup((keys) => sendsByKeys(deps.sql, deps.chain, keys));
    const queue = (disposal: Disposal) =>
      new BatchQueue<SendJob, Outcome>(
        async (jobs) => {
          const outcomes = await this.sendEach(jobs, disposal);
          return jobs.map((job) => outcomes.get(job)!);
        },
        SENDS_PER_BATCH,
        BATCHES_IN_FLIGHT,
      );
    this.sending = queue('broadcast');
    this.holding = queue('hold');
    this.releasing = new BatchQueue(
      async (sends) => {
        const failed = await this.broadcastAll(sends);
        return sends.map((send) => failed.get(send.key));
      },
      SENDS_PER_BATCH,
      BATCHES_IN_FLIGHT,
    );
  }

  /** Sends one transaction (or finds the stored one for this key and makes sure it was broadcast). */
  async send(signer: Signer, request: SendRequest): Promise<Send> {
    return sentOrThrow(await this.sending.submit({ signer, request }));
  }

  /**
   * Signs and stores one transaction (its nonce reserved) without broadcasting it, or finds the one stored for this
   * key: `send` with the same key broadcasts it as stored. For a transaction the node would refuse before something
   * else is mined (a token sweep's gas funding), so that only its broadcast is left then.
   */
  async hold(signer: Signer, request: SendRequest): Promise<Send> {
    return sentOrThrow(await this.holding.submit({ signer, request }));
  }

  /** Sends several transactions from one key, with consecutive nonces, broadcast together (see `sendEach`). */
  async sendMany(signer: Signer, requests: SendRequest[]): Promise<Send[]> {
    const jobs = requests.map((request) => ({ signer, request }));
    const outcomes = await this.sendEach(jobs, 'broadcast');
    return jobs.map((job) => sentOrThrow(outcomes.get(job)!));
  }

  /**
   * Stores every transaction asked for in one SQL transaction (consecutive nonces reserved per key, each signed and
   * stored with its hash), then broadcasts them all together: the provider sends them as JSON-RPC batches, none waits
   * for another's answer, and a node keeps a later nonce until the earlier one arrives. Keys already stored are not
   * signed again (the first of a key asked twice is the one stored); a broadcast that failed is the outcome of its job
   * only, and its transaction stays stored for reconcile to send. Held (`hold`), they are stored only. A batch whose
   * sends are all stored (held ones asked to be broadcast) costs a read and the broadcast: no node count, no transaction.
   */
  private async sendEach(jobs: SendJob[], disposal: Disposal): Promise<Map<SendJob, Outcome>> {
    const stored = await retryOnRace(() => this.storeMissing(jobs, disposal));
    if (disposal === 'hold') return new Map(jobs.map((job) => [job, { send: stored.get(job.request.key)! }]));
    const failed = await this.broadcastAll([...stored.values()].filter((send) => send.status === 'pending'));
    return new Map(
      jobs.map((job) => {
        const error = failed.get(job.request.key);
        return [job, error === undefined ? { send: stored.get(job.request.key)! } : { error }];
      }),
    );
  }

  /**
   * The jobs' sends by key: read once, and those not stored yet stored (see `store`). A key another batch or process
   * stored since the read fails the transaction on the unique key; `sendEach` then runs this again, and reads it stored.
   */
  private async storeMissing(jobs: SendJob[], disposal: Disposal): Promise<Map<string, Send>> {
    const { sql, chain } = this.deps;
    const stored = await sendsByKeys(
      sql,
      chain,
      jobs.map((job) => job.request.key),
    );
    const toStore = jobs.filter((job) => !stored.has(job.request.key));
    if (toStore.length > 0) for (const send of await this.store(toStore, disposal)) stored.set(send.key, send);
    return stored;
  }

  /**
   * Broadcasts stored sends together (the provider sends them as JSON-RPC batches) and marks those the node took as
   * broadcast in one statement; answers the failures by key (each its own send's: its transaction stays stored).
   */
  private async broadcastAll(sends: Send[]): Promise<Map<string, unknown>> {
    const pushed = await Promise.allSettled(sends.map((send) => this.push(send)));
    const failed = new Map<string, unknown>();
    const reached: Send[] = [];
    pushed.forEach((result, i) => {
      if (result.status === 'rejected') failed.set(sends[i]!.key, result.reason);
      else if (result.value) reached.push(sends[i]!);
    });
    await markBroadcast(
      this.deps.sql,
      reached.flatMap((send) => this.unmarked(send)),
    );
    return failed;
  }

  /**
   * Stores the jobs' transactions in one SQL transaction, none of them stored at the caller's read: consecutive nonces
   * reserved per key (in one statement, in address order), each signed and stored with its hash; the first of a key
   * asked twice is the one stored. Answers the sends as stored.
   */
  private async store(jobs: SendJob[], disposal: Disposal): Promise<Send[]> {
    const { sql, chain, provider } = this.deps;
    const signers = [...new Map(jobs.map(({ signer }) => [signer.address.toLowerCase(), signer])).values()];
    const chainCounts = new Map(
      await Promise.all(
        signers.map(
          async (s) => [s.address.toLowerCase(), BigInt(await provider.getTransactionCount(s.address, 'latest'))] as const,
        ),
      ),
    );
    return sql.begin(async (tx) => {
      const fresh = [...new Map(jobs.map((j) => [j.request.key, j])).values()];
      const counts = new Map<string, number>();
      for (const { signer } of fresh)
        counts.set(signer.address.toLowerCase(), (counts.get(signer.address.toLowerCase()) ?? 0) + 1);
      const next = await reserveNonces(
        tx,
        chain,
        [...counts].map(([address, count]) => ({ address, count, chainCount: chainCounts.get(address)! })),
      );
      const signed = await Promise.all(
        fresh.map(async ({ signer, request }) => {
          const from = signer.address.toLowerCase();
          const nonce = next.get(from)!;
          next.set(from, nonce + 1n);
          const data = request.data ?? '0x';
          const raw = await this.sign(signer, { ...request, data, nonce }, disposal === 'hold');
          const send: NewSend = {
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
          };
          return { send, raw, fees: request.fees };
        }),
      );
      const sends = await insertSends(
        tx,
        signed.map((s) => s.send),
      );
      const attempts = await insertAttempts(
        tx,
        signed.map(({ send, raw, fees }) => ({ sendId: sends.get(send.key)!.id, attempt: 1, ...raw, ...fees })),
      );
      return [...sends.values()].map((send) => ({ ...send, attempts: attempts.get(send.id)! }));
    });
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
    const send = await this.byKey(key);
    return send ? this.refresh(send) : null;
  }

  /**
   * Reconciles the unfinished sends of a key that have waited longer than `staleAfterMs`: records what was mined,
   * and resubmits with higher fees (a new attempt, same nonce) or rebroadcasts what is still not mined. Younger sends
   * are left alone (the listener records them), except one never broadcast, which is broadcast at once unless
   * `releasable` says it is held back (`hold`: the node would refuse it before what it waits for is mined). Returns
   * every unfinished send, reconciled or not.
   */
  async reconcile(
    signer: Signer,
    options: { staleAfterMs: number; bump: boolean; releasable?: (send: Send) => Promise<boolean> },
  ): Promise<Send[]> {
    const open: Send[] = [];
    for (const send of await openSends(this.deps.sql, this.deps.chain, signer.address.toLowerCase())) {
      const last = send.attempts[send.attempts.length - 1]!;
      if (send.status === 'pending' && last.broadcastAt === null) {
        // stored, never broadcast (held, or the process died in between): sent now as it is, not after waiting to go
        // stale, once nothing holds it back
        if (!options.releasable || (await options.releasable(send))) await this.broadcast(send);
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
      await insertAttempts(tx, [{ sendId: send.id, attempt: last.attempt + 1, ...raw, ...fees }]);
    });
    const bumped = (await sendsByKeys(this.deps.sql, send.chain, [send.key])).get(send.key)!;
    await this.broadcast(bumped);
    return bumped;
  }

  /** Signed in the signer thread, for this chain (`held`: after the signatures of sends to broadcast now). */
  private sign(
    signer: Signer,
    t: { to: string; value: bigint; data: string; nonce: bigint; gasLimit: bigint; fees: FeeQuote },
    held = false,
  ): Promise<SignedTx> {
    const tx = {
      chainId: this.deps.chainId,
      to: t.to,
      value: t.value,
      data: t.data,
      nonce: t.nonce,
      gasLimit: t.gasLimit,
      maxFeePerGas: t.fees.maxFeePerGas,
      maxPriorityFeePerGas: t.fees.maxPriorityFeePerGas,
    };
    return signer.sign(tx, { held });
  }

  /**
   * Broadcasts a held send as stored (see `hold`), as `send` with its key would, without reading it again: those
   * released together go out together and are marked in one statement (a burst's lanes release hundreds in a block).
   */
  async release(send: Send): Promise<void> {
    const error = await this.releasing.submit(send);
    if (error !== undefined) throw error;
  }

  /** Whether the node has one of the send's attempts in a block (its receipt), whatever the listener has recorded. */
  async minedOnNode(send: Send): Promise<boolean> {
    return (await this.findInclusion(send)) !== null;
  }

  /** Broadcasts the newest attempt, and records that it was (see `push`). */
  private async broadcast(send: Send): Promise<void> {
    if (await this.push(send)) await markBroadcast(this.deps.sql, this.unmarked(send));
  }

  /** The send's newest attempt, unless it is already recorded as broadcast. */
  private unmarked(send: Send): Array<{ sendId: string; attempt: number }> {
    const last = send.attempts[send.attempts.length - 1]!;
    return last.broadcastAt ? [] : [{ sendId: send.id, attempt: last.attempt }];
  }

  /**
   * Sends the newest attempt to the node: true once the node has it (a node that already had it is not an error),
   * false when the nonce was used by one of the send's earlier attempts, mined (refresh records it).
   */
  private async push(send: Send): Promise<boolean> {
    const last = send.attempts[send.attempts.length - 1]!;
    try {
      await this.deps.provider.send('eth_sendRawTransaction', [last.raw]);
    } catch (error) {
      const message = rpcMessage(error);
      if (ALREADY_KNOWN.test(message)) return true;
      if (NONCE_USED.test(message) && (await this.findInclusion(send))) return false;
      if (NONCE_USED.test(message)) {
        throw new Error(`nonce ${send.nonce} of ${send.from} was used by a transaction Sluice did not send (send ${send.key})`);
      }
      throw error;
    }
    return true;
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
