/**
 * The console's inputs refused when they hold U+0000, as the API's are (`domain/nul-characters.ts`): the path (its
 * parameters), the query string and a posted form, checked once before every page, sign-in included, so that no
 * handler reading its own fields can hand one to PostgreSQL.
 */
import type { MiddlewareHandler } from 'hono';
import { ErrorCode } from '../../domain/errors.js';
import { NUL_CHARACTER_REFUSED, nulCharacterPath } from '../../domain/nul-characters.js';
import { ApiError } from '../http/problem.js';
import type { ConsoleEnv } from './env.js';

export function refuseNulCharacters(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    // the form as the pages read it (hono caches it for them); a GET has none
    const form = c.req.method === 'GET' || c.req.method === 'HEAD' ? {} : await c.req.parseBody();
    const nul = nulCharacterPath(c.req.path) ? ['path'] : (nulCharacterPath(c.req.query()) ?? nulCharacterPath(form));
    if (nul !== null) {
      throw new ApiError(ErrorCode.ValidationFailed, 'some fields need correcting', [
        { path: nul.join('.'), message: NUL_CHARACTER_REFUSED },
      ]);
    }
    await next();
  };
}
