/** U+0000 in input, which PostgreSQL's text cannot hold: where a value holds one, and when a JSON body needs a look. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { jsonBodyMayHoldNul } from '../../api/http/nul-characters.js';
import { nulCharacterPath } from '../../domain/nul-characters.js';

describe('nulCharacterPath', () => {
  it('names the string or key holding U+0000, as a field path', () => {
    expect(nulCharacterPath({ name: 'a\0b' })).toEqual(['name']);
    expect(nulCharacterPath({ items: [{ note: 'ok' }, { note: '\0' }] })).toEqual(['items', '1', 'note']);
    expect(nulCharacterPath({ metadata: { 'k\0': 1 } })).toEqual(['metadata', 'k\0']);
    expect(nulCharacterPath('\0')).toEqual([]);
  });

  it('finds none in values without one, whatever their types', () => {
    expect(nulCharacterPath({ a: 'text', b: 1, c: null, d: [true, 2n, new Date(0)], e: { f: '' } })).toBeNull();
    expect(nulCharacterPath(undefined)).toBeNull();
    expect(nulCharacterPath('\\u0000')).toBeNull();
  });

  it('walks any nesting a body can bring without overflowing the stack', () => {
    let deep: unknown = ['\0'];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nulCharacterPath(deep)).toHaveLength(100_001);
  });
});

describe('jsonBodyMayHoldNul', () => {
  const app = new Hono();
  app.post('/text', async (c) => (await c.req.json(), c.json(await jsonBodyMayHoldNul(c.req))));
  app.post('/bytes', async (c) => (await c.req.arrayBuffer(), await c.req.json(), c.json(await jsonBodyMayHoldNul(c.req))));
  const ask = async (path: string, body: unknown) =>
    (
      await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    ).json();

  it("looks for JSON's escape of U+0000 in the text parsed, or in the bytes a signed request's guard read", async () => {
    expect(await ask('/text', { name: 'a\0b' })).toBe(true);
    expect(await ask('/text', { name: 'ab', amount: '1.00' })).toBe(false);
    expect(await ask('/bytes', { name: 'a\0b' })).toBe(true);
    expect(await ask('/bytes', { name: 'ab' })).toBe(false);
  });
});
