/** A market socket's frames: handled one at a time in the order sent, with a bounded wait while one is in progress. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { handleFramesInOrder, MAX_WAITING_FRAMES, type FrameSocket } from '../../api/exchange/frames-in-order.js';

/** A socket the test sends frames on, recording pauses and its close. */
function fakeSocket() {
  const events = new EventEmitter();
  const socket = {
    readyState: WebSocket.OPEN as number,
    paused: false,
    closedWith: null as number | null,
    on: (event: 'message', listener: (data: Buffer) => void) => events.on(event, listener),
    pause: () => void (socket.paused = true),
    resume: () => void (socket.paused = false),
    close: (code: number) => {
      socket.closedWith = code;
      socket.readyState = WebSocket.CLOSING;
    },
    send: (frame: string) => events.emit('message', Buffer.from(frame)),
  };
  return socket satisfies FrameSocket;
}

/** Handles each frame by recording it; a frame starting with `wait` is answered only when the test says so. */
function recorder() {
  const handled: string[] = [];
  const waits: Array<() => void> = [];
  const handle = (frame: string) => {
    handled.push(frame);
    if (frame.startsWith('wait')) return new Promise<void>((resolve) => waits.push(resolve));
  };
  const answer = async () => {
    waits.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { handled, handle, answer };
}

describe('a socket’s frames in order', () => {
  it('holds back the frames after one that waits, pausing the socket, and handles them in order once it ends', async () => {
    const socket = fakeSocket();
    const { handled, handle, answer } = recorder();
    handleFramesInOrder(socket, handle);
    socket.send('a');
    socket.send('wait auth');
    socket.send('subscribe');
    socket.send('wait again');
    socket.send('b');
    expect(handled).toEqual(['a', 'wait auth']);
    expect(socket.paused).toBe(true);
    await answer();
    expect(handled).toEqual(['a', 'wait auth', 'subscribe', 'wait again']);
    expect(socket.paused).toBe(true);
    await answer();
    expect(handled).toEqual(['a', 'wait auth', 'subscribe', 'wait again', 'b']);
    expect(socket.paused).toBe(false);
    socket.send('c');
    expect(handled.at(-1)).toBe('c');
  });

  it(`closes the socket with 1008 when more than ${MAX_WAITING_FRAMES} frames wait, and drops them once it is closed`, async () => {
    const socket = fakeSocket();
    const { handled, handle, answer } = recorder();
    handleFramesInOrder(socket, handle);
    socket.send('wait');
    for (let i = 0; i < MAX_WAITING_FRAMES; i++) socket.send(`frame ${i}`);
    expect(socket.closedWith).toBeNull();
    socket.send('one too many');
    expect(socket.closedWith).toBe(1008);
    await answer();
    expect(handled).toEqual(['wait']);
    expect(socket.paused).toBe(false);
  });
});
