/**
 * The security headers every response gets: HSTS only for a request that came over TLS, a page's own CSP kept. Both
 * ways the app answers: in-process (app.request) and served by node (set on node's response, under the route's own).
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../api/context.js';
import { securityHeaders } from '../../api/http/hardening.js';

function app(trustProxy: boolean) {
  const app = new Hono<AppEnv>();
  app.use('*', securityHeaders(trustProxy));
  app.get('/json', (c) => c.json({ ok: true }, 200, { 'idempotent-replayed': 'false' }));
  app.get('/page', (c) => c.html('<p>page</p>', 200, { 'content-security-policy': "default-src 'self'" }));
  return app;
}

type Get = (path: string, trustProxy: boolean, headers?: Record<string, string>) => Promise<Response>;

const servers = new Map<boolean, ServerType>();
beforeAll(async () => {
  for (const trustProxy of [false, true]) {
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app(trustProxy).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    servers.set(trustProxy, server);
  }
});
afterAll(async () => {
  for (const server of servers.values()) await new Promise((resolve) => server.close(resolve));
});

const ways: Array<[string, Get, string]> = [
  [
    'in-process',
    (path, trustProxy, headers = {}) => Promise.resolve(app(trustProxy).request(path, { headers })),
    'https://sluice.test',
  ],
  [
    'served by node',
    (path, trustProxy, headers = {}) =>
      fetch(`http://127.0.0.1:${(servers.get(trustProxy)!.address() as AddressInfo).port}${new URL(path).pathname}`, {
        headers,
      }),
    '',
  ],
];

describe.each(ways)('security headers, %s', (_way, get, tlsOrigin) => {
  it('send HSTS over TLS only, and from a trusted proxy saying so', async () => {
    const hsts = async (url: string, trustProxy: boolean, headers: Record<string, string> = {}) =>
      (await get(url, trustProxy, headers)).headers.get('strict-transport-security');
    if (tlsOrigin) expect(await hsts(`${tlsOrigin}/json`, false)).toMatch(/^max-age=\d+/);
    expect(await hsts('http://sluice.test/json', false)).toBeNull();
    expect(await hsts('http://sluice.test/json', false, { 'x-forwarded-proto': 'https' })).toBeNull();
    expect(await hsts('http://sluice.test/json', true, { 'x-forwarded-proto': 'https, http' })).toMatch(/^max-age=\d+/);
  });

  it("keep the route's own headers and a page's own policy", async () => {
    const json = await get('http://sluice.test/json', false);
    expect(json.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(json.headers.get('idempotent-replayed')).toBe('false');
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
    expect(json.headers.get('x-frame-options')).toBe('DENY');
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ ok: true });
    const page = await get('http://sluice.test/page', false);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
