/**
 * The console's static files: its stylesheet and htmx (from node_modules, for partial updates without a bundle or a
 * build step). Each is served under a path carrying its content's hash, so it is cached for good and a new release
 * is a new path; the CSP lets scripts come only from here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Hono } from 'hono';
import { CONSOLE_BASE, type ConsoleEnv } from './env.js';

interface Asset {
  path: string;
  body: string;
  type: string;
}

function asset(name: string, extension: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path: `/assets/${name}-${hash}.${extension}`, body, type };
}

const stylesheet = asset(
  'console',
  'css',
  'text/css; charset=utf-8',
  readFileSync(new URL('./console.css', import.meta.url), 'utf8'),
);
const htmx = asset(
  'htmx',
  'js',
  'text/javascript; charset=utf-8',
  readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'), 'utf8'),
);

export const STYLESHEET_URL = `${CONSOLE_BASE}${stylesheet.path}`;
export const HTMX_URL = `${CONSOLE_BASE}${htmx.path}`;
/**
 * htmx's settings for our CSP: no inline indicator styles, no eval (hx-on and js: filters), and only requests to
 * this origin. A 403 and a 404 are swapped in, where htmx drops other errors: the console answers a refused refresh,
 * or one of what is gone, with the refusal to show in its place (render.tsx, errorPage).
 */
export const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '40[34]', swap: true, error: true },
    { code: '[45]..', swap: false, error: true },
  ],
});

export function assetRoutes(router: Hono<ConsoleEnv>) {
  for (const a of [stylesheet, htmx]) {
    router.get(a.path, (c) =>
      c.body(a.body, 200, { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable' }),
    );
  }
}
