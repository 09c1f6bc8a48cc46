/**
 * When each block reached the node, as a client following `newHeads` sees it: the clock a stage such as "confirming
 * block → credited" starts from. Subscribed before the deposits are sent so no head is missed.
 */
import WebSocket from 'ws';

export class HeadTimes {
  private readonly seen = new Map<bigint, number>();
  private readonly socket: WebSocket;

  private constructor(wsUrl: string) {
    this.socket = new WebSocket(wsUrl);
  }

  static async follow(wsUrl: string): Promise<HeadTimes> {
    const heads = new HeadTimes(wsUrl);
    await new Promise<void>((resolve, reject) => {
      heads.socket.once('error', reject);
      heads.socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.id === 1) resolve();
        const number = message.params?.result?.number;
        if (typeof number === 'string' && !heads.seen.has(BigInt(number))) heads.seen.set(BigInt(number), Date.now());
      });
      heads.socket.once('open', () =>
        heads.socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })),
      );
    });
    return heads;
  }

  /** When block `number` was announced (ms since the epoch); throws if it never was. */
  at(number: bigint): number {
    const time = this.seen.get(number);
    if (time === undefined) throw new Error(`block ${number} was never announced`);
    return time;
  }

  close(): void {
    this.socket.terminate();
  }
}
