/** A free TCP port on loopback, for services the tests start. */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * Ports are drawn below the kernel's ephemeral range (where `listen(0)` and every outgoing connection take theirs):
 * a port the kernel handed out by `listen(0)` and released could be taken by one of the suite's own connections
 * before the service bound it (anvil in the dev stack's test: "Address already in use"). Where that range starts too
 * low to leave room below it, the kernel chooses, as before.
 */
const LOWEST = 10_000;
/** The first port of the kernel's ephemeral range (0 where it cannot be read). */
export const ephemeralStart = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 0;
  }
})();
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  if (ephemeralStart - LOWEST < 1_000) return listenable(0);
  for (;;) {
    const port = randomInt(LOWEST, ephemeralStart);
    if (handedOut.has(port)) continue;
    // taken before the check's await, so that concurrent calls never check and hand out the same port
    handedOut.add(port);
    if ((await listenable(port).catch(() => undefined)) !== undefined) return port;
    handedOut.delete(port);
  }
}

/** Listens on the port (0: one the kernel picks) and closes it again, answering which port it was. */
function listenable(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** Resolves when something accepts TCP connections on the port. */
export function probePort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve();
    });
    socket.on('error', reject);
  });
}
