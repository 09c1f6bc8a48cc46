/**
 * The hardening runs as one level of middleware (api/http/hardening.ts): each step's answer (413, 408, a CORS
 * preflight) must still become the response, carry the security headers, and be what a measuring level around it
 * sees, as the app's request metrics do.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ApiSecurity, AppEnv } from '../../api/context.js';
import { hardening } from '../../api/http/hardening.js';

const ORIGIN = 'https://app.sluice.test';

function app(corsOrigins: string[]) {
  const security = { corsOrigins, requestTimeoutMs: 50, maxBodyBytes: 100 } as ApiSecurity;
  const hardened = hardening(security, false);
  const seen: number[] = [];
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    await hardened(c, next);
    seen.push(c.res.status);
  });
  app.post('/echo', async (c) => c.json(await c.req.json(), 201));
  app.get('/slow', () => new Promise<Response>(() => {}));
  app.get('/thrown', () => {
    throw new Error('a fault');
  });
  app.onError((_error, c) => c.json({ error: true }, 500));
  return { app, seen };
}

const post = (body: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  body,
  headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
});

describe('hardening as one level', () => {
  it('passes a request through, with the security headers', async () => {
    const { app: served, seen } = app([]);
    const answer = await served.request('/echo', post('{"a":1}'));
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ a: 1 });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(seen).toEqual([201]);
  });

  it('answers a body over the limit with a 413 problem, seen by the level around it', async () => {
    const { app: served, seen } = app([]);
    const answer = await served.request('/echo', post(`{"a":"${'x'.repeat(200)}"}`));
    expect(answer.status).toBe(413);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(seen).toEqual([413]);
  });

  it('counts a body of no declared length as it streams in: passed under the limit, 413 over it', async () => {
    const { app: served, seen } = app([]);
    const unsized = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const small = await served.request('/echo', unsized('{"a":1}'));
    expect(small.status).toBe(201);
    expect(await small.json()).toEqual({ a: 1 });
    const big = await served.request('/echo', unsized(`{"a":"${'x'.repeat(200)}"}`));
    expect(big.status).toBe(413);
    expect(big.headers.get('x-content-type-options')).toBe('nosniff');
    expect(seen).toEqual([201, 413]);
  });

  it('answers a request past its time with a 408 problem, seen by the level around it', async () => {
    const { app: served, seen } = app([]);
    const answer = await served.request('/slow');
    expect(answer.status).toBe(408);
    expect(((await answer.json()) as { code: string }).code).toBe('request_timeout');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(seen).toEqual([408]);
  });

  it("leaves a route's fault to the app's error handler", async () => {
    const { app: served, seen } = app([]);
    expect((await served.request('/thrown')).status).toBe(500);
    expect(seen).toEqual([500]);
  });

  it('answers a CORS preflight from an allowed origin, and only then', async () => {
    const { app: served, seen } = app([ORIGIN]);
    const preflight = (origin: string) =>
      served.request('/echo', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    expect(seen[0]).toBe(204);
  });
});
