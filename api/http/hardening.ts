/**
 * The HTTP hardening every response gets: security headers (a strict CSP unless a page set its own, nosniff, no
 * framing, HSTS when the request came over TLS or through a trusted proxy saying so), CORS for the CORS_ORIGINS
 * only, and limits on body size (413) and on the time to answer (408), both as problem+json. Each step answers by
 * setting `c.res`, never by a returned or thrown response, so that `hardening` can run them all as one level of
 * hono's middleware.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { ErrorCode } from '../../domain/errors.js';
import type { ApiSecurity, AppEnv } from '../context.js';
import { problemBody, problemResponse } from './problem.js';
import { RequestDeadlines } from './request-deadlines.js';

/** JSON needs no scripts, styles or frames: pages that do (docs, console) set their own policy. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const HSTS = 'max-age=31536000; includeSubDomains';

/** A step of the hardening: hono middleware that answers, when it does, by setting `c.res`. */
export type HardeningStep = (c: Context<AppEnv>, next: Next) => Promise<void>;

export function securityHeaders(trustProxy: boolean): HardeningStep {
  return async (c, next) => {
    // the request's URL is absolute and its scheme lower case (node's server and Request alike): no parse needed
    const https =
      c.req.url.startsWith('https:') || (trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https');
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing) {
      // Served by node: set on node's response, under the headers the route's response brings (writeHead gives those
      // precedence), so a page's own policy stands. Reading `c.res.headers` instead would turn @hono/node-server's
      // lightweight response into an undici Headers, copied back into an object to write: a share of the API's CPU.
      outgoing.setHeader('content-security-policy', API_CSP);
      outgoing.setHeader('x-content-type-options', 'nosniff');
      outgoing.setHeader('x-frame-options', 'DENY');
      outgoing.setHeader('referrer-policy', 'no-referrer');
      if (https) outgoing.setHeader('strict-transport-security', HSTS);
      return next();
    }
    // in-process (app.request, app.fetch): the response's own headers
    await next();
    const headers = c.res.headers;
    if (!headers.has('content-security-policy')) headers.set('content-security-policy', API_CSP);
    headers.set('x-content-type-options', 'nosniff');
    headers.set('x-frame-options', 'DENY');
    if (!headers.has('referrer-policy')) headers.set('referrer-policy', 'no-referrer');
    if (https) headers.set('strict-transport-security', HSTS);
  };
}

/** Cross-origin calls from the configured origins only (`hardening` leaves this step out when there are none). */
export function corsPolicy(origins: string[]): HardeningStep {
  const allowed = cors({
    origin: (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'X-Api-Key',
      'X-Api-Timestamp',
      'X-Api-Nonce',
      'X-Api-Signature',
    ],
    exposeHeaders: ['Retry-After', 'Idempotent-Replayed', 'Allow'],
    maxAge: 600,
  });
  return async (c, next) => {
    // only a preflight is answered here; any other OPTIONS is an ordinary request (405 with Allow)
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (c.req.method === 'OPTIONS' && !preflight) return next();
    const answer = await allowed(c, next);
    if (answer instanceof Response) c.res = answer;
  };
}

export function bodySizeLimit(maxBytes: number): HardeningStep {
  const tooLarge = (c: Context) =>
    problemResponse(c, problemBody(ErrorCode.PayloadTooLarge, `the body must be at most ${maxBytes} bytes`));
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  // Decided from the headers where they suffice: hono's bodyLimit first asks `c.req.raw.body`, which turns
  // @hono/node-server's lightweight request into a full web Request with a stream over the socket (half the
  // framework's CPU on POST /v1/bets, bench/bets.ts). A body of no declared length (chunked, or an in-process
  // Request) is counted as it streams in.
  return (c, next) => {
    const chunked = c.req.header('transfer-encoding') !== undefined;
    const length = c.req.header('content-length');
    if (!chunked && length !== undefined) {
      if (Number.parseInt(length, 10) <= maxBytes) return next();
      c.res = tooLarge(c);
      return Promise.resolve();
    }
    if (!chunked && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next();
    // hono's middleware passes on what `next` resolves with (compose's context), so only a Response is an answer
    return streamed(c, next).then((answer) => {
      if (answer instanceof Response) c.res = answer;
    });
  };
}

export function requestTimeout(ms: number): HardeningStep {
  const deadlines = new RequestDeadlines(ms);
  const detail = `the request was not completed within ${ms / 1000}s`;
  return (c, next) =>
    deadlines.race(next(), () => {
      c.res = problemResponse(c, problemBody(ErrorCode.RequestTimeout, detail));
    });
}

/**
 * All of it, in this order, as one middleware: hono's compose costs an async frame and a promise per level on every
 * request, and every request passes every step (without CORS_ORIGINS there is no CORS step: all would pass it by).
 */
export function hardening(security: ApiSecurity, trustProxy: boolean): HardeningStep {
  const headers = securityHeaders(trustProxy);
  const cors = security.corsOrigins.length > 0 ? corsPolicy(security.corsOrigins) : null;
  const timeout = requestTimeout(security.requestTimeoutMs);
  const limit = bodySizeLimit(security.maxBodyBytes);
  // The closures are passed as they are made, never bound to a name: tsx (esbuild's keepNames) gives every named
  // function a `name` property by Object.defineProperty where it is made, which per request measured 1.6% of the API's
  // CPU under bench/ledger.ts.
  if (cors === null) return (c, next) => headers(c, () => timeout(c, () => limit(c, next)));
  return (c, next) => headers(c, () => cors(c, () => timeout(c, () => limit(c, next))));
}
