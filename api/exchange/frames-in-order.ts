/**
 * A socket's frames handled one at a time, in the order they arrived: a frame whose handling waits (a sign-in, a pair
 * looked up) holds back the ones after it, so `auth` then `subscribe` sent together subscribe as the user signed in.
 * While one waits the socket is paused, so the client's next frames stay in TCP's buffers, not in ours; those ws had
 * already read wait here, at most MAX_WAITING_FRAMES (each under the socket's frame size limit): one more closes the
 * socket with 1008. Once the socket is no longer open, the frames still waiting are dropped.
 */
import { WebSocket, type RawData } from 'ws';

export const MAX_WAITING_FRAMES = 64;

/** The part of a ws socket this needs. */
export interface FrameSocket {
  readonly readyState: number;
  on(event: 'message', listener: (data: RawData) => void): unknown;
  pause(): void;
  resume(): void;
  close(code: number, reason: string): void;
}

/** `handle` answers its own failures: a promise it returns is awaited for its end, and a rejection is not reported. */
export function handleFramesInOrder(ws: FrameSocket, handle: (frame: string) => Promise<void> | void): void {
  const waiting: string[] = [];
  let handling = false;
  const next = (): void => {
    for (let frame = waiting.shift(); frame !== undefined; frame = waiting.shift()) {
      if (ws.readyState !== WebSocket.OPEN) break;
      const pending = handle(frame);
      if (pending) return void pending.then(next, next);
    }
    waiting.length = 0;
    handling = false;
    ws.resume();
  };
  ws.on('message', (data) => {
    if (handling) {
      if (waiting.length < MAX_WAITING_FRAMES) waiting.push(String(data));
      else ws.close(1008, 'too many frames waiting: wait for the answers');
      return;
    }
    const pending = handle(String(data));
    if (!pending) return;
    handling = true;
    ws.pause();
    void pending.then(next, next);
  });
}
