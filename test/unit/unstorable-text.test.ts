/** Text PostgreSQL cannot store as sent (U+0000, an unpaired surrogate): where a value holds it, and when a JSON body needs a look. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { jsonBodyMayHoldUnstorableText } from '../../api/http/unstorable-text.js';
import { NUL_CHARACTER_REFUSED, UNPAIRED_SURROGATE_REFUSED, unstorableTextIn } from '../../domain/unstorable-text.js';

const nul = (...path: string[]) => ({ path, message: NUL_CHARACTER_REFUSED });
const surrogate = (...path: string[]) => ({ path, message: UNPAIRED_SURROGATE_REFUSED });

describe('unstorableTextIn', () => {
  it('names the string or key holding U+0000, as a field path', () => {
    expect(unstorableTextIn({ name: 'a\0b' })).toEqual(nul('name'));
    expect(unstorableTextIn({ items: [{ note: 'ok' }, { note: '\0' }] })).toEqual(nul('items', '1', 'note'));
    expect(unstorableTextIn({ metadata: { 'k\0': 1 } })).toEqual(nul('metadata', 'k\0'));
    expect(unstorableTextIn('\0')).toEqual(nul());
  });

  it('names the string or key holding an unpaired surrogate, high or low, as a field path', () => {
    expect(unstorableTextIn({ memo: 'a\ud800b' })).toEqual(surrogate('memo'));
    expect(unstorableTextIn({ items: [{ note: 'ok' }, { note: '\udfff' }] })).toEqual(surrogate('items', '1', 'note'));
    expect(unstorableTextIn({ metadata: { ['\udc00']: 1 } })).toEqual(surrogate('metadata', '\udc00'));
    expect(unstorableTextIn({ memo: '😀'.slice(0, 1) })).toEqual(surrogate('memo'));
    expect(unstorableTextIn({ memo: '😀'.slice(1) + '😀'.slice(0, 1) })).toEqual(surrogate('memo'));
    expect(unstorableTextIn('\ud800')).toEqual(surrogate());
  });

  it('finds none in values without one, whatever their types, surrogate pairs included', () => {
    expect(unstorableTextIn({ a: 'text', b: 1, c: null, d: [true, 2n, new Date(0)], e: { f: '' } })).toBeNull();
    expect(unstorableTextIn({ memo: '😀 é', ['😀']: '\ud83d\ude00' })).toBeNull();
    expect(unstorableTextIn(undefined)).toBeNull();
    expect(unstorableTextIn('\\u0000 \\ud800')).toBeNull();
  });

  it('walks any nesting a body can bring without overflowing the stack', () => {
    let deep: unknown = ['\0'];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableTextIn(deep)?.path).toHaveLength(100_001);
  });
});

describe('jsonBodyMayHoldUnstorableText', () => {
  const app = new Hono();
  app.post('/text', async (c) => (await c.req.json(), c.json(await jsonBodyMayHoldUnstorableText(c.req))));
  app.post(
    '/bytes',
    async (c) => (await c.req.arrayBuffer(), await c.req.json(), c.json(await jsonBodyMayHoldUnstorableText(c.req))),
  );
  const ask = async (path: string, body: string) =>
    (await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();

  it("looks for JSON's escapes of U+0000 and of surrogates in the text parsed, or in the bytes a signed request's guard read", async () => {
    for (const path of ['/text', '/bytes']) {
      expect(await ask(path, JSON.stringify({ name: 'a\0b' }))).toBe(true);
      expect(await ask(path, JSON.stringify({ memo: 'a\ud800b' }))).toBe(true);
      expect(await ask(path, '{"memo": "\\uDFFF"}')).toBe(true);
      expect(await ask(path, JSON.stringify({ name: 'ab', amount: '1.00', memo: '😀 é \\u00e9' }))).toBe(false);
    }
  });
});
