/** Route definitions in the shapes routes share, so that a route file states only what is its own. */
import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { jsonResponse, PageOf, PageQuery, problems } from './schemas.js';
import { routeSecurity } from './security-schemes.js';

type Guard = MiddlewareHandler<AppEnv>;

/**
 * A route behind its guards (authentication first, then any role check): they run before the request is validated,
 * and the document names the credentials they take (a bearer token, or a signed API key where the guards take one).
 */
export function guardedRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'middleware' | 'security'> & { path: P }>(
  guards: Guard | readonly [Guard, ...Guard[]],
  route: R,
) {
  // a tuple type, as `[guard] as const` would give: hono types the handler's context from it
  const middleware = (Array.isArray(guards) ? [...guards] : [guards]) as [Guard];
  return createRoute({ ...route, middleware, security: routeSecurity(middleware) });
}

/**
 * A keyset-paginated list: GET with the page query (`limit`, `cursor`) and the route's own filters, answering a page
 * of `item` (`data`, `next_cursor`), or 400 (a bad filter or cursor) and 401; an operator's list also 403.
 */
export function pageRoute<P extends string, T extends z.ZodTypeAny, F extends z.ZodRawShape = {}>(
  guards: Guard | readonly [Guard, ...Guard[]],
  spec: { path: P; tags: string[]; summary: string; filters?: F; items: [description: string, item: T]; forbidden?: true },
) {
  const [description, item] = spec.items;
  return guardedRoute(guards, {
    method: 'get',
    path: spec.path,
    tags: spec.tags,
    summary: spec.summary,
    request: { query: PageQuery.extend(spec.filters ?? ({} as F)) },
    responses: {
      200: jsonResponse(description, PageOf(item)),
      ...problems(400, 401, ...(spec.forbidden ? [403] : [])),
    },
  });
}
