/** API keys: created with a secret shown once, listed without it, revoked by id. */
import { randomBytes } from 'node:crypto';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { insertApiKey, listApiKeys, revokeApiKey } from '../../services/users-auth/api-keys-store.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { seal } from '../../platform/crypto/sealed.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError } from '../http/problem.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';

const ApiKeyView = z
  .object({ id: z.string(), name: z.string(), created_at: z.string(), last_used_at: z.string().nullable(), revoked: z.boolean() })
  .openapi('ApiKey');

const view = (k: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }) => ({
  id: k.id,
  name: k.name,
  created_at: k.createdAt.toISOString(),
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  revoked: k.revokedAt !== null,
});

export function apiKeyRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/api-keys',
      tags: ['account'],
      summary: 'Create an API key; its secret is returned once and never again',
      middleware: [guards.session] as const,
      security: [{ bearer: [] }],
      request: jsonBody(z.object({ name: z.string().trim().min(1).max(100) })),
      responses: { 201: jsonResponse('Created', ApiKeyView.extend({ secret: z.string() })), ...problems(400, 401, 415) },
    }),
    async (c) => {
      const id = `key_${randomBytes(12).toString('hex')}`;
      const secret = randomBytes(32).toString('base64url');
      const key = await insertApiKey(deps.sql, {
        id,
        userId: c.get('user').id,
        name: c.req.valid('json').name,
        secretSealed: seal(deps.keys.apiKeys, secret),
      });
      return c.json({ ...view(key), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/api-keys',
      tags: ['account'],
      summary: "The caller's API keys",
      middleware: [guards.session] as const,
      security: [{ bearer: [] }],
      responses: { 200: jsonResponse('Keys', z.object({ data: z.array(ApiKeyView) })), ...problems(401) },
    }),
    async (c) => c.json({ data: (await listApiKeys(deps.sql, c.get('user').id)).map(view) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/api-keys/{id}',
      tags: ['account'],
      summary: 'Revoke an API key',
      middleware: [guards.session] as const,
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: { 204: { description: 'Revoked' }, ...problems(401, 404) },
    }),
    async (c) => {
      const revoked = await revokeApiKey(deps.sql, c.get('user').id, c.req.valid('param').id);
      deps.users.apiKeyChanged(c.req.valid('param').id);
      if (!revoked) {
        throw new ApiError(ErrorCode.NotFound, 'no active API key with this id');
      }
      return c.body(null, 204);
    },
  );
}
