/** Declared headers read by name: documented as declared, checked by the same schema and hook, in zod-openapi's order. */
import { createRoute, OpenAPIHono, z, type Hook } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../api/context.js';
import { validateDeclaredHeadersByName } from '../../api/http/declared-headers.js';

const hook: Hook<unknown, AppEnv, string, unknown> = (result, c) =>
  result.success ? undefined : c.json({ target: result.target, paths: result.error.issues.map((i) => i.path.join('.')) }, 400);

function app() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: hook });
  validateDeclaredHeadersByName(app, hook);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/things/{id}',
      request: {
        params: z.object({ id: z.string().regex(/^\d+$/) }),
        query: z.object({ dry: z.enum(['yes', 'no']).optional() }),
        headers: z.object({
          'idempotency-key': z
            .string()
            .min(1)
            .transform((k) => `key:${k}`),
        }),
        body: { required: true, content: { 'application/json': { schema: z.object({ n: z.number() }) } } },
      },
      responses: { 200: { description: 'ok' } },
    }),
    (c) => c.json({ header: c.req.valid('header'), body: c.req.valid('json'), id: c.req.valid('param').id }, 200),
  );
  return app;
}

const post = (path: string, headers: Record<string, string>, body: unknown = { n: 1 }) =>
  app().request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('declared headers', () => {
  it('hand the handler what the schema made of them', async () => {
    const ok = await post('/things/7', { 'Idempotency-Key': 'abc', 'x-other': 'ignored' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ header: { 'idempotency-key': 'key:abc' }, body: { n: 1 }, id: '7' });
  });

  it('answer a missing header through the hook, after the query and path, before the body', async () => {
    expect(await (await post('/things/7', {})).json()).toEqual({ target: 'header', paths: ['idempotency-key'] });
    expect(await (await post('/things/x?dry=maybe', {}, { n: 'no' })).json()).toEqual({ target: 'query', paths: ['dry'] });
    expect(await (await post('/things/x', {}, { n: 'no' })).json()).toEqual({ target: 'param', paths: ['id'] });
    expect(await (await post('/things/7', { 'idempotency-key': 'k' }, { n: 'no' })).json()).toEqual({
      target: 'json',
      paths: ['n'],
    });
  });

  it('stay in the document', () => {
    const doc = app().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    const parameters = doc.paths!['/things/{id}']!.post!.parameters as Array<{ name: string; in: string }>;
    expect(parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['header:idempotency-key', 'path:id', 'query:dry']);
  });
});
