/**
 * The thread HeadTimes follows `newHeads` in: it stamps each block the moment it arrives, however busy the bench's
 * main thread is (a burst's sends and receipts kept it busy enough to stamp heads after their deposits were credited).
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

const socket = new WebSocket((workerData as { wsUrl: string }).wsUrl);
socket.on('error', (error) => {
  throw error;
});
socket.on('message', (data) => {
  const at = Date.now();
  const message = JSON.parse(String(data));
  if (message.id === 1) parentPort!.postMessage({ subscribed: true });
  const number = message.params?.result?.number;
  if (typeof number === 'string') parentPort!.postMessage({ number, at });
});
socket.once('open', () => socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })));
