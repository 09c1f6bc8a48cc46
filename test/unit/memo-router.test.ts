import { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { MemoRouter } from '../../api/http/memo-router.js';

describe('MemoRouter', () => {
  it('answers as the router it wraps, a literal segment beside a parameter included', async () => {
    const app = new Hono({ router: new MemoRouter() });
    app.post('/v1/notifications/:id/read', (c) => c.text(`read ${c.req.param('id')}`));
    app.post('/v1/notifications/telegram/link', (c) => c.text('link'));
    app.get('/v1/things/:id', (c) => c.text(`thing ${c.req.param('id')} at ${c.req.routePath}`));
    for (let round = 0; round < 2; round++) {
      expect(await (await app.request('/v1/notifications/n-1/read', { method: 'POST' })).text()).toBe('read n-1');
      expect(await (await app.request('/v1/notifications/telegram/link', { method: 'POST' })).text()).toBe('link');
      expect(await (await app.request('/v1/things/a')).text()).toBe('thing a at /v1/things/:id');
      expect(await (await app.request('/v1/things/b')).text()).toBe('thing b at /v1/things/:id');
      expect((await app.request('/v1/things/a', { method: 'POST' })).status).toBe(404);
    }
  });

  it('asks the router it wraps once per method and path, and again after forgetting them all when full', () => {
    const trie = new TrieRouter<string>();
    let asked = 0;
    const counting = { name: 'counting', add: trie.add.bind(trie), match: (m: string, p: string) => (asked++, trie.match(m, p)) };
    const router = new MemoRouter<string>(counting, 2);
    router.add('GET', '/a/:id', 'a');
    const first = router.match('GET', '/a/1');
    expect(router.match('GET', '/a/1')).toBe(first);
    expect(router.match('POST', '/a/1')).not.toBe(first);
    expect(asked).toBe(2);
    router.match('GET', '/a/2'); // the third path: the two known are forgotten
    router.match('GET', '/a/1');
    expect(asked).toBe(4);
    expect(router.match('GET', '/a/1')[0]).toEqual([['a', { id: '1' }]]);
    expect(asked).toBe(4);
  });
});
