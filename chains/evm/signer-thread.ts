/**
 * Signing off the worker's event loop. A burst's sends are hundreds of signatures (about 1.4 ms each) and deposit
 * wallet derivations (about 0.7 ms each): on the event loop they held up the sweeper's planning and the sends' own
 * database work behind them. One `node:worker_threads` thread does them instead; the event loop only hands it the
 * transaction's fields and waits. The thread gets the keys the sender already holds (the deposit seed at start, a
 * given key with each request it signs with) and gives back addresses and signed transactions only.
 * A thread that dies (an exception, out of memory) fails every request waiting on it with an error (their activities
 * retry them); the next request starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { computeAddress } from 'ethers';
import type { KeySource, SignerReply, SignerRequest, SignerThreadData } from './signer-thread-messages.js';
import type { SignedTx, UnsignedTx } from './tx-signing.js';

/**
 * A key the sender signs with: its address, and its signatures made in the signer thread (`held`: for a transaction
 * stored to be broadcast later, signed after those to broadcast now).
 */
export interface Signer {
  readonly address: string;
  sign(tx: UnsignedTx, options?: { held?: boolean }): Promise<SignedTx>;
}

/** Deposit wallets' addresses kept (the thread keeps their keys as many: hd-wallets.ts). */
const KEPT_ADDRESSES = 5_000;

const ENTRY = new URL('./signer-thread-entry.ts', import.meta.url);

/**
 * The thread runs Sluice's TypeScript as every entry point does, through tsx: a thread does not take the `--import tsx`
 * its process started with, so a small script registers tsx first (resolved from the working directory, the project
 * root every entry point runs in) and then loads the entry.
 */
const bootScript = (entry: URL) =>
  `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;

type Waiting = { resolve: (value: string | SignedTx) => void; reject: (error: Error) => void };

/** One running thread and the requests waiting for its answers. */
interface Link {
  thread: Worker;
  waiting: Map<number, Waiting>;
}

type Request = { op: 'ready' } | { op: 'address'; index: number } | { op: 'sign'; key: KeySource; tx: UnsignedTx; held: boolean };

export class SignerThread {
  private link: Link | null = null;
  private nextId = 0;
  private closed = false;
  private readonly depositAddresses = new Map<number, string>();

  /** `entry` is the thread's module (tests give one that can be made to die). */
  constructor(
    private readonly depositPhrase: string | null,
    private readonly entry: URL = ENTRY,
  ) {}

  /**
   * Starts the thread and waits until it answers: started by the first request instead, it would load (tsx, ethers:
   * a second or more) in the middle of the first burst of sends.
   */
  async open(): Promise<void> {
    await this.request({ op: 'ready' });
  }

  /** A signer for a key the caller holds (the gas keeper's, a hot wallet's); its address is computed once, here. */
  keySigner(privateKey: string): Signer {
    return { address: computeAddress(privateKey), sign: (tx, options) => this.signWith({ privateKey }, tx, options) };
  }

  /** The deposit wallet at `index` (BIP-44 m/44'/60'/0'/0/index), derived in the thread. */
  async depositSigner(index: number): Promise<Signer> {
    let address = this.depositAddresses.get(index);
    if (address === undefined) {
      address = (await this.request({ op: 'address', index })) as string;
      this.depositAddresses.set(index, address);
      if (this.depositAddresses.size > KEPT_ADDRESSES) this.depositAddresses.delete(this.depositAddresses.keys().next().value!);
    }
    return { address, sign: (tx, options) => this.signWith({ deposit: index }, tx, options) };
  }

  /** Stops the thread; requests waiting on it fail, and later ones are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.link?.thread.terminate();
  }

  private async signWith(key: KeySource, tx: UnsignedTx, options?: { held?: boolean }): Promise<SignedTx> {
    return (await this.request({ op: 'sign', key, tx, held: options?.held ?? false })) as SignedTx;
  }

  /**
   * Handed to the thread (started if none runs) at once: the thread queues what it is asked and picks the next by
   * priority itself (signer-thread-entry.ts), so it never waits for this event loop, which a burst keeps busy.
   */
  private request(request: Request): Promise<string | SignedTx> {
    if (this.closed) return Promise.reject(new Error('the signer thread is closed'));
    return new Promise((resolve, reject) => {
      const link = this.link ?? this.start();
      const id = ++this.nextId;
      link.waiting.set(id, { resolve, reject });
      link.thread.postMessage({ id, ...request } satisfies SignerRequest);
    });
  }

  private start(): Link {
    const data: SignerThreadData = { depositPhrase: this.depositPhrase };
    const thread = new Worker(bootScript(this.entry), { eval: true, workerData: data });
    thread.unref(); // the worker's own handles keep the process running, not this thread
    const link: Link = { thread, waiting: new Map() };
    thread.on('message', (reply: SignerReply) => {
      const waiting = link.waiting.get(reply.id);
      link.waiting.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.value);
      else waiting?.reject(new Error(reply.error));
    });
    const stopped = (why: string) => {
      if (this.link === link) this.link = null;
      for (const waiting of link.waiting.values()) waiting.reject(new Error(`the signer thread stopped (${why}): try again`));
      link.waiting.clear();
    };
    thread.on('error', (error) => stopped(error.message));
    thread.on('messageerror', (error) => {
      stopped(error.message); // an answer was lost: its request would wait for ever on this thread
      void thread.terminate();
    });
    thread.on('exit', (code) => stopped(`exit code ${code}`));
    this.link = link;
    return link;
  }
}
