/**
 * API keys: created with a secret shown once (with the owner proof: owner-proof.ts),
 * with scopes and an optional IP allow-list of their own; listed without the secret; revoked by id.
 */
import { randomBytes } from 'node:crypto';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../../services/users-auth/api-keys-store.js';
import { API_KEY_SCOPES } from '../../services/users-auth/api-key-scopes.js';
import { requireCidrs } from './cidrs.js';
import { recordSecurityEvent } from '../../services/security/client.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { clientIp } from '../http/client-ip.js';
import { seal } from '../../platform/crypto/sealed.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError } from '../http/problem.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';
import { requireOwnerProof, withOwnerProof } from './owner-proof.js';

const KeyId = z
  .string()
  .regex(/^key_[0-9a-f]{24}$/, 'must be an API key id such as "key_…"')
  .openapi({ example: 'key_0123456789abcdef01234567' });

const ApiKeyView = z
  .object({
    id: KeyId,
    name: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    ip_allowlist: z.array(z.string()),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked: z.boolean(),
  })
  .openapi('ApiKey');

/**
 * A key is a way in that outlives a password change (and, with `withdraw`, moves money to others), so creating one
 * needs the owner proof: an access token alone, stolen from a browser or a log for its 15 minutes, mints none.
 */
const NewApiKey = withOwnerProof(
  z.object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(3).default(['read']).openapi({
      description:
        "What the key may do: read (GET), trade (orders, bets, other writes), withdraw (withdrawals, transfers, invoices paid, an operator's writes that move money)",
    }),
    ip_allowlist: z
      .array(z.string().max(50).openapi({ example: '203.0.113.0/24' }))
      .max(100)
      .default([])
      .openapi({ description: 'Addresses or CIDR blocks the key may be used from; empty: wherever the user may' }),
  }),
);

const view = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes,
  ip_allowlist: k.ipAllowlist,
  created_at: k.createdAt.toISOString(),
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  revoked: k.revokedAt !== null,
});

export function apiKeyRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/api-keys',
      tags: ['account'],
      summary:
        'Create an API key, with the owner proof (the current password, or Telegram for an account made from it; a TOTP code when two-factor is on); its secret is returned once and never again',
      request: jsonBody(NewApiKey),
      responses: {
        201: jsonResponse('Created', ApiKeyView.extend({ secret: z.string() })),
        ...problems(400, 401, 403, 415, 429),
      },
    }),
    async (c) => {
      const user = c.get('user');
      const body = c.req.valid('json');
      const ip = clientIp(c, deps.settings.trustProxy);
      const ipAllowlist = requireCidrs(body.ip_allowlist, 'ip_allowlist');
      await requireOwnerProof(c, deps, body);
      const id = `key_${randomBytes(12).toString('hex')}`;
      const secret = randomBytes(32).toString('base64url');
      const key = await insertApiKey(deps.sql, {
        id,
        userId: user.id,
        name: body.name,
        secretSealed: seal(deps.keys.apiKeys, secret),
        scopes: [...new Set(body.scopes)],
        ipAllowlist,
      });
      await recordSecurityEvent(deps.sql, {
        kind: 'api_key_created',
        userId: user.id,
        ip,
        detail: { key_id: id, scopes: key.scopes, ip_allowlist: key.ipAllowlist },
      });
      return c.json({ ...view(key), secret }, 201);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'get',
      path: '/v1/api-keys',
      tags: ['account'],
      summary: "The caller's API keys",
      responses: { 200: jsonResponse('Keys', z.object({ data: z.array(ApiKeyView) })), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: (await listApiKeys(deps.sql, c.get('user').id)).map(view) }, 200),
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'delete',
      path: '/v1/api-keys/{id}',
      tags: ['account'],
      summary: 'Revoke an API key',
      request: { params: z.object({ id: KeyId }) },
      responses: { 204: { description: 'Revoked' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = c.get('user');
      const revoked = await revokeApiKey(deps.sql, user.id, id);
      deps.users.apiKeyChanged(id);
      if (!revoked) {
        throw new ApiError(ErrorCode.NotFound, 'no active API key with this id');
      }
      await recordSecurityEvent(deps.sql, {
        kind: 'api_key_revoked',
        userId: user.id,
        ip: clientIp(c, deps.settings.trustProxy),
        detail: { key_id: id },
      });
      return c.body(null, 204);
    },
  );
}
