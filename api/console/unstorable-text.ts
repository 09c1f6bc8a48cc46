/**
 * The console's inputs refused when they hold text PostgreSQL cannot store as sent, as the API's are
 * (`domain/unstorable-text.ts`): the path (its parameters), the query string and a posted form, checked once before
 * every page, sign-in included, so that no handler reading its own fields can hand one to PostgreSQL.
 */
import type { MiddlewareHandler } from 'hono';
import { ErrorCode } from '../../domain/errors.js';
import { unstorableTextIn } from '../../domain/unstorable-text.js';
import { ApiError } from '../http/problem.js';
import type { ConsoleEnv } from './env.js';

export function refuseUnstorableText(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    // the form as the pages read it (hono caches it for them); a GET has none
    const form = c.req.method === 'GET' || c.req.method === 'HEAD' ? {} : await c.req.parseBody();
    const inPath = unstorableTextIn(c.req.path);
    const found = inPath ? { ...inPath, path: ['path'] } : (unstorableTextIn(c.req.query()) ?? unstorableTextIn(form));
    if (found !== null) {
      throw new ApiError(ErrorCode.ValidationFailed, 'some fields need correcting', [
        { path: found.path.join('.'), message: found.message },
      ]);
    }
    await next();
  };
}
