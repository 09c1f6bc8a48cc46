/**
 * The benches' HTTP client gives up an idle keep-alive connection a second before the server's announced timeout, so
 * a request is never written to a connection the server is closing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveAgent, post } from '../../bench/support/http-post.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serverKeepingIdleConnections(keepAliveTimeoutMs: number) {
  const connections: unknown[] = [];
  server = createServer((_request, response) => response.writeHead(201, { 'content-length': '0' }).end());
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on('connection', (socket) => connections.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`, connections };
}

describe('bench keep-alive connections', () => {
  it('reuses a connection idle for less than the server keeps it, less a second', async () => {
    const { url, connections } = await serverKeepingIdleConnections(2_000);
    const agent = keepAliveAgent(1);
    expect(await post(agent, url, 't', 'k1', {})).toBe(201);
    await sleep(300);
    expect(await post(agent, url, 't', 'k2', {})).toBe(201);
    expect(connections).toHaveLength(1);
    agent.destroy();
  });

  it('opens a new connection once one has been idle for longer than that', async () => {
    const { url, connections } = await serverKeepingIdleConnections(2_000);
    const agent = keepAliveAgent(1);
    expect(await post(agent, url, 't', 'k1', {})).toBe(201);
    await sleep(1_300);
    expect(await post(agent, url, 't', 'k2', {})).toBe(201);
    expect(connections).toHaveLength(2);
    agent.destroy();
  });
});
