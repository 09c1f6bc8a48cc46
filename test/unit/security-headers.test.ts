/** The security headers every response gets: HSTS only for a request that came over TLS, a page's own CSP kept. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../api/context.js';
import { securityHeaders } from '../../api/http/hardening.js';

function app(trustProxy: boolean) {
  const app = new Hono<AppEnv>();
  app.use('*', securityHeaders(trustProxy));
  app.get('/json', (c) => c.json({ ok: true }, 200, { 'idempotent-replayed': 'false' }));
  app.get('/page', (c) => c.html('<p>page</p>', 200, { 'content-security-policy': "default-src 'self'" }));
  return app;
}

describe('security headers', () => {
  it('send HSTS over TLS only, and from a trusted proxy saying so', async () => {
    const hsts = async (url: string, trustProxy: boolean, headers: Record<string, string> = {}) =>
      (await app(trustProxy).request(url, { headers })).headers.get('strict-transport-security');
    expect(await hsts('https://sluice.test/json', false)).toMatch(/^max-age=\d+/);
    expect(await hsts('http://sluice.test/json', false)).toBeNull();
    expect(await hsts('http://sluice.test/json', false, { 'x-forwarded-proto': 'https' })).toBeNull();
    expect(await hsts('http://sluice.test/json', true, { 'x-forwarded-proto': 'https, http' })).toMatch(/^max-age=\d+/);
  });

  it("keep the route's own headers and a page's own policy", async () => {
    const json = await app(false).request('http://sluice.test/json');
    expect(json.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(json.headers.get('idempotent-replayed')).toBe('false');
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
    expect(json.headers.get('x-frame-options')).toBe('DENY');
    const page = await app(false).request('http://sluice.test/page');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
