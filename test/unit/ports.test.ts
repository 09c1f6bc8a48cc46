/** The tests' free ports: outside the range the kernel hands out to connections, never the same one twice. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, where no connection the suite opens can take one', async () => {
    const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart);
  });
});
