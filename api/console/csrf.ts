/**
 * CSRF: every POST carries a token (the synchronizer-token pattern: the session's, or before sign-in the one in a
 * short-lived cookie), compared in constant time. SameSite=Strict cookies are the second line, not the only one.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { ConsoleEnv } from './env.js';
import { errorPage } from './render.js';

export function tokensMatch(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const refuseForgery = (c: Context<ConsoleEnv>) =>
  errorPage(c, 403, "The form's security token is missing or out of date: reload the page and try again.");

/** Refuses a POST whose `_csrf` field is not the session's token. */
export function checkCsrf(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const body = await c.req.parseBody();
      if (!tokensMatch(c.get('csrfToken'), body._csrf)) return refuseForgery(c);
    }
    await next();
  };
}
