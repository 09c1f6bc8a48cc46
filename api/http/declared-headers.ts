/**
 * Header validation that reads only the headers a route declares.
 *
 * @hono/zod-openapi checks a route's `request.headers` with hono's validator, which asks for every header at once
 * (`c.req.header()`). On @hono/node-server's lightweight request that builds an undici `Headers` of the whole request
 * (an append per header, then a sorted copy to iterate): a share of the API's CPU on every POST that takes an
 * Idempotency-Key. Here such a route is documented as declared, and its headers are read one by one, by name (the
 * server's fast path), then checked by the same schema, with the same hook, at the same place among the validators
 * (after the query and the path parameters, before the body). What the handler gets from `c.req.valid('header')` is
 * what the schema made of them, as before.
 */
import { z, type Hook, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';
import type { AppEnv } from '../context.js';

type AnyHook = Hook<any, AppEnv, any, any>;
type Target = 'query' | 'param' | 'header';

/** What @hono/zod-validator does with a value: the schema's result, or the hook's (or a 400) when it answers. */
function check(schema: z.ZodType, hook: AnyHook, target: Target) {
  return async (value: unknown, c: Context<AppEnv>) => {
    const result = await schema.safeParseAsync(value);
    const answer = await hook({ data: value, ...result, target } as never, c as never);
    if (answer instanceof Response) return answer;
    if (answer && 'response' in answer) return answer.response as Response;
    if (!result.success) return c.json(result, 400);
    return result.data;
  };
}

/** The declared headers by name, as hono's validator would have passed them: only those the request has. */
function declaredHeaders(c: Context, names: string[]): Record<string, string> {
  const value: Record<string, string> = {};
  for (const name of names) {
    const header = c.req.header(name);
    if (header !== undefined) value[name] = header;
  }
  return value;
}

function headerValidator(schema: z.ZodObject, hook: AnyHook): MiddlewareHandler<AppEnv> {
  const names = Object.keys(schema.shape);
  const checked = check(schema, hook, 'header');
  return async (c, next) => {
    const result = await checked(declaredHeaders(c, names), c);
    if (result instanceof Response) return result;
    c.req.addValidatedData('header', result as Record<string, unknown>);
    await next();
  };
}

/**
 * Makes `app.openapi` validate declared headers by name. `defaultHook` is the app's own (what zod-openapi uses for a
 * route without a hook of its own).
 */
export function validateDeclaredHeadersByName(app: OpenAPIHono<AppEnv>, defaultHook: AnyHook): void {
  const register = app.openapi;
  app.openapi = ((route, handler, hook) => {
    const headers = route.request?.headers;
    if (!(headers instanceof z.ZodObject)) return register(route, handler, hook);
    const { middleware, hide, request, ...documented } = route;
    if (!hide) app.openAPIRegistry.registerPath({ ...documented, request });
    const effectiveHook = (hook ?? defaultHook) as AnyHook;
    // zod-openapi's order: query, path parameters, headers, then cookies and the body (which it still adds itself)
    const { query, params, headers: _declared, ...rest } = request!;
    const validators = [
      ...(query ? [validator('query', check(query, effectiveHook, 'query'))] : []),
      ...(params ? [validator('param', check(params, effectiveHook, 'param'))] : []),
      headerValidator(headers, effectiveHook),
    ];
    const guards = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
    return register({ ...documented, request: rest, middleware: [...guards, ...validators], hide: true }, handler, hook);
  }) as typeof app.openapi;
}
