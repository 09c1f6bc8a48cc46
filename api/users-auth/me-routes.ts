/** The caller's own account: profile and IP allow-list. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { setIpAllowlist, userById } from '../../services/users-auth/users-store.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { ipAllowed } from '../../services/users-auth/ip-allowlist.js';
import { requireCidrs } from './cidrs.js';
import { clientIp } from '../http/client-ip.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError } from '../http/problem.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { userView, UserView } from './auth-routes.js';
import { requireOwnerProof, withOwnerProof } from './owner-proof.js';
import { guardedRoute } from '../http/routes.js';

const Allowlist = z.object({
  cidrs: z
    .array(z.string().max(64))
    .max(100)
    .openapi({ example: ['203.0.113.0/24', '2001:db8::1'] }),
});
/**
 * The list decides where the user may sign in, so a new one needs the owner proof (owner-proof.ts): an access token
 * alone, set to its holder's address, locked the owner out for good.
 */
const NewAllowlist = withOwnerProof(Allowlist);

export function meRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/me',
      tags: ['account'],
      summary: 'The authenticated user',
      responses: { 200: jsonResponse('The caller', UserView.extend({ ip_allowlist: z.array(z.string()) })), ...problems(401) },
    }),
    async (c) => {
      const user = (await userById(deps.sql, c.get('user').id))!;
      return c.json({ ...userView(user), ip_allowlist: user.ipAllowlist }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'put',
      path: '/v1/me/ip-allowlist',
      tags: ['account'],
      summary:
        'Replace the IP allow-list (empty allows every address), with the owner proof (the current password, or Telegram for an account made from it; a TOTP code when two-factor is on). A list that excludes the caller is refused.',
      request: jsonBody(NewAllowlist),
      responses: { 200: jsonResponse('Saved', Allowlist), ...problems(400, 401, 403, 415, 422, 429) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const ip = clientIp(c, deps.settings.trustProxy);
      const cidrs = requireCidrs(body.cidrs, 'cidrs');
      if (!ipAllowed(ip, cidrs)) {
        throw new ApiError(ErrorCode.ValidationFailed, 'this list would lock you out: it does not include your current address', [
          { path: 'cidrs', message: 'must include the address this request comes from' },
        ]);
      }
      await requireOwnerProof(c, deps, body);
      await setIpAllowlist(deps.sql, user.id, cidrs);
      deps.users.userChanged(user.id);
      return c.json({ cidrs }, 200);
    },
  );
}
