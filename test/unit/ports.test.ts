/** The tests' free ports: outside the range the kernel hands out to connections, never the same one twice. */
import { describe, expect, it } from 'vitest';
import { ephemeralStart, freePort } from '../support/ports.js';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, where no connection the suite opens can take one', async () => {
    expect(ephemeralStart).toBeGreaterThan(10_000);
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart);
  });
});
