/**
 * When each block reached the node, as a client following `newHeads` sees it: the clock a stage such as "confirming
 * block → credited" starts from. Subscribed before the deposits are sent so no head is missed, in a thread of its own
 * (head-times-thread.ts) so that the time is taken when the head arrives, not when the bench finds a moment for it.
 */
import { Worker } from 'node:worker_threads';

/** node 20 runs a worker's TypeScript entry only once tsx is registered in that thread. */
const THREAD = `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(
  new URL('./head-times-thread.ts', import.meta.url).href,
)}))`;

export class HeadTimes {
  private readonly seen = new Map<bigint, number>();

  private constructor(private readonly thread: Worker) {}

  static async follow(wsUrl: string): Promise<HeadTimes> {
    const heads = new HeadTimes(new Worker(THREAD, { eval: true, workerData: { wsUrl } }));
    await new Promise<void>((resolve, reject) => {
      heads.thread.once('error', reject);
      heads.thread.on('message', (message: { subscribed: true } | { number: string; at: number }) => {
        if ('subscribed' in message) resolve();
        else if (!heads.seen.has(BigInt(message.number))) heads.seen.set(BigInt(message.number), message.at);
      });
    });
    return heads;
  }

  /** When block `number` was announced (ms since the epoch); throws if it never was. */
  at(number: bigint): number {
    const time = this.seen.get(number);
    if (time === undefined) throw new Error(`block ${number} was never announced`);
    return time;
  }

  close(): Promise<number> {
    return this.thread.terminate();
  }
}
