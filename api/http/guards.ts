/**
 * Authentication and authorisation middleware. A caller is a user behind a bearer access token or a signed API key
 * request; the user row is read on every request, so a role change or a new IP allow-list applies at once.
 */
import type { MiddlewareHandler } from 'hono';
import { activeApiKey, touchApiKey } from '../../services/users-auth/api-keys-store.js';
import { userById, type Role, type User } from '../../services/users-auth/users-store.js';
import { ErrorCode } from '../../domain/errors.js';
import { clientIp } from './client-ip.js';
import type { ApiDeps, AppEnv, AuthUser } from '../context.js';
import { ApiError } from './problem.js';
import { ipAllowed } from '../../services/users-auth/ip-allowlist.js';
import { canonicalRequest, signatureMatches, timestampFresh } from '../../services/users-auth/request-signature.js';
import { unseal } from '../../platform/crypto/sealed.js';

const unauthenticated = (detail: string) => new ApiError(ErrorCode.Unauthenticated, detail);

export interface Guards {
  /** Any authenticated user. */
  user: MiddlewareHandler<AppEnv>;
  /** A bearer token only: managing credentials is not something an API key may do. */
  session: MiddlewareHandler<AppEnv>;
  operator: MiddlewareHandler<AppEnv>;
  admin: MiddlewareHandler<AppEnv>;
}

export function createGuards(deps: ApiDeps): Guards {
  async function fromBearer(token: string): Promise<User> {
    const userId = await deps.tokens.verifyAccess(token);
    const user = userId ? await userById(deps.sql, userId) : null;
    if (!user) throw unauthenticated('the access token is invalid or expired');
    return user;
  }

  async function fromApiKey(c: Parameters<MiddlewareHandler<AppEnv>>[0], keyId: string): Promise<User> {
    const timestamp = c.req.header('x-api-timestamp') ?? '';
    const signature = c.req.header('x-api-signature') ?? '';
    if (!timestampFresh(timestamp, deps.settings.apiKeyWindowSeconds)) {
      throw unauthenticated(`X-Api-Timestamp must be unix seconds within ${deps.settings.apiKeyWindowSeconds}s of now`);
    }
    const key = await activeApiKey(deps.sql, keyId);
    if (!key) throw unauthenticated('unknown or revoked API key');
    const url = new URL(c.req.url);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const canonical = canonicalRequest(timestamp, c.req.method, url.pathname + url.search, body);
    if (
      !/^[0-9a-f]{64}$/.test(signature) ||
      !signatureMatches(unseal(deps.keys.apiKeys, key.secretSealed), canonical, signature)
    ) {
      throw unauthenticated('the request signature does not match');
    }
    const user = await userById(deps.sql, key.userId);
    if (!user) throw unauthenticated('unknown or revoked API key');
    void touchApiKey(deps.sql, keyId).catch((error) => deps.log.warn({ error }, 'could not record API key use'));
    return user;
  }

  const authenticate =
    (options: { allowApiKey: boolean; roles?: Role[] }): MiddlewareHandler<AppEnv> =>
    async (c, next) => {
      const authorization = c.req.header('authorization');
      const apiKey = c.req.header('x-api-key');
      let user: User;
      let via: AuthUser['via'];
      if (authorization?.startsWith('Bearer ')) {
        user = await fromBearer(authorization.slice(7).trim());
        via = 'jwt';
      } else if (apiKey && options.allowApiKey) {
        user = await fromApiKey(c, apiKey);
        via = 'api_key';
      } else if (apiKey) {
        throw unauthenticated('this endpoint needs a bearer access token, not an API key');
      } else {
        throw unauthenticated('send a bearer access token or a signed API key request');
      }
      if (!ipAllowed(clientIp(c, deps.settings.trustProxy), user.ipAllowlist)) {
        throw new ApiError(ErrorCode.IpNotAllowed, 'requests from this IP address are not on your allow-list');
      }
      if (options.roles && !options.roles.includes(user.role)) {
        throw new ApiError(ErrorCode.Forbidden, `this needs the ${options.roles.join(' or ')} role`);
      }
      c.set('user', { id: user.id, email: user.email, role: user.role, via });
      await next();
    };

  return {
    user: authenticate({ allowApiKey: true }),
    session: authenticate({ allowApiKey: false }),
    operator: authenticate({ allowApiKey: true, roles: ['operator', 'admin'] }),
    admin: authenticate({ allowApiKey: true, roles: ['admin'] }),
  };
}
