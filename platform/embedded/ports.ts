/**
 * The dev stack's ports, checked before anything starts: a port held by anything else stops start-up with the
 * variable that moves it and the process holding it, so the stack never attaches to a stranger's server.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PortClaim {
  port: number;
  host: string;
  /** The setting that moves it, e.g. PORT. */
  variable: string;
  /** What would listen there, e.g. "the API". */
  what: string;
}

export class PortsTakenError extends Error {}

export async function assertPortsFree(claims: PortClaim[]): Promise<void> {
  const taken: string[] = [];
  for (const claim of claims) {
    if (await canListen(claim.host, claim.port)) continue;
    const holder = portHolder(claim.port);
    taken.push(
      `  port ${claim.port} (${claim.what}) is held by ${holder ?? 'a process this user cannot see'}: stop it or set ${claim.variable} to a free port`,
    );
  }
  if (taken.length > 0) throw new PortsTakenError(`Cannot start: ports in use\n${taken.join('\n')}`);
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** "pid 123 (node server.js)" for the process listening on the port, from /proc (Linux); null when not found. */
export function portHolder(port: number): string | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && local && inode && Number.parseInt(local.split(':').at(-1)!, 16) === port) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return `pid ${pid} (${commandLine(pid)})`;
    }
  }
  return null;
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return 'command unknown';
  }
}
