/**
 * Authentication and authorisation middleware. A caller is a user behind a bearer access token or a signed API key
 * request. Users and keys come from the in-memory directory (services/users-auth/directory.ts), which forgets a row
 * as soon as it changes, so a disabled user, a revoked key, a role change or a new IP allow-list applies within
 * milliseconds on every API process, without a read per request; so does a password change, through the session version
 * an access token carries.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiKeyUse } from '../../services/users-auth/api-key-use.js';
import { ADMIN_ROLES, OPERATOR_ROLES, type Role } from '../../services/users-auth/users-store.js';
import type { Principal } from '../../services/users-auth/directory.js';
import type { VerifiedAccess } from '../../services/users-auth/tokens.js';
import { ErrorCode } from '../../domain/errors.js';
import { clientIp } from './client-ip.js';
import type { ApiDeps, AppEnv, AuthUser } from '../context.js';
import { ApiError } from './problem.js';
import { takesBearerOnly } from './security-schemes.js';
import {
  canonicalRequest,
  NONCE_PATTERN,
  signatureMatches,
  timestampFresh,
} from '../../services/users-auth/request-signature.js';
import { scopeForRequest } from '../../services/users-auth/api-key-scopes.js';
import { recordSecurityEvent } from '../../services/security/client.js';

const unauthenticated = (detail: string) => new ApiError(ErrorCode.Unauthenticated, detail);

export interface Guards {
  /** Any authenticated user. */
  user: MiddlewareHandler<AppEnv>;
  /**
   * A user whose funds, orders or notices the route reads or spends. Spot orders are answered before they settle, so
   * this waits until the markets have settled every trade answered to the caller (ARCHITECTURE.md, "Exchange"): a
   * read sees its own writes, and a spend sees what the trades brought in.
   */
  funds: MiddlewareHandler<AppEnv>;
  /** A bearer token only: managing credentials is not something an API key may do. */
  session: MiddlewareHandler<AppEnv>;
  operator: MiddlewareHandler<AppEnv>;
  /**
   * An admin with a bearer token only: roles, disabling users, second factors, groups, alert routes and broadcasts
   * are an admin's signed-in decisions, so a leaked API key of theirs (whatever its scopes) cannot grant or take access.
   */
  admin: MiddlewareHandler<AppEnv>;
}

/**
 * The session guard's rule for one part of a request an API key may otherwise make: 403 naming `field` when the caller
 * came with an API key (a route where a key may do nothing uses the session guard itself).
 */
export function refuseApiKey(user: AuthUser, field: string, what: string): void {
  if (user.via !== 'api_key') return;
  throw new ApiError(ErrorCode.Forbidden, `${what} needs a bearer access token, not an API key`, [
    { path: field, message: 'needs a bearer access token, not an API key' },
  ]);
}

/** Why a known user may not act from `ip` now, or null: asked of every request and of every websocket's sign-in. */
export function principalRefusal(user: Principal, ip: string): ApiError | null {
  if (user.disabled) return unauthenticated('this account is disabled');
  if (!user.allowsIp(ip)) return new ApiError(ErrorCode.IpNotAllowed, 'requests from this IP address are not on your allow-list');
  return null;
}

/** Why an access token no longer stands for its user, or null: their password changed since it was issued. */
export function accessRevocation(user: Principal, access: VerifiedAccess): ApiError | null {
  if (access.sessionVersion === user.sessionVersion) return null;
  return unauthenticated('the access token was revoked by a password change: sign in again');
}

export function createGuards(deps: ApiDeps): Guards {
  const apiKeyUse = new ApiKeyUse(deps.sql, deps.log);

  async function fromBearer(token: string): Promise<Principal> {
    const access = await deps.tokens.verifyAccess(token);
    const user = access ? await deps.users.principal(access.userId) : null;
    if (!user) throw unauthenticated('the access token is invalid or expired');
    const revoked = accessRevocation(user, access!);
    if (revoked) throw revoked;
    return user;
  }

  async function fromApiKey(c: Parameters<MiddlewareHandler<AppEnv>>[0], keyId: string): Promise<Principal> {
    const timestamp = c.req.header('x-api-timestamp') ?? '';
    const nonce = c.req.header('x-api-nonce') ?? '';
    const signature = c.req.header('x-api-signature') ?? '';
    if (!timestampFresh(timestamp, deps.settings.apiKeyWindowSeconds)) {
      throw unauthenticated(`X-Api-Timestamp must be unix seconds within ${deps.settings.apiKeyWindowSeconds}s of now`);
    }
    if (!NONCE_PATTERN.test(nonce)) throw unauthenticated('X-Api-Nonce must be 16 to 64 characters of letters, digits, _ and -');
    const key = await deps.users.apiKey(keyId);
    if (!key) throw unauthenticated('unknown or revoked API key');
    const url = new URL(c.req.url);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const canonical = canonicalRequest(timestamp, nonce, c.req.method, url.pathname + url.search, body);
    if (!/^[0-9a-f]{64}$/.test(signature) || !signatureMatches(key.secret, canonical, signature)) {
      throw unauthenticated('the request signature does not match');
    }
    const ip = clientIp(c, deps.settings.trustProxy);
    if (!key.allowsIp(ip))
      throw new ApiError(ErrorCode.IpNotAllowed, "requests from this IP address are not on this key's allow-list");
    // the path as routed (decoded), not as signed: an encoded letter must not route to a withdraw path as `trade`
    const scope = scopeForRequest(c.req.method, c.req.path);
    if (!key.scopes.has(scope)) throw new ApiError(ErrorCode.InsufficientScope, `this API key lacks the ${scope} scope`);
    const user = await deps.users.principal(key.userId);
    if (!user) throw unauthenticated('unknown or revoked API key');
    // last, once the request is known to be the key's: a forged request must not burn a nonce
    if (!(await deps.security.nonces.firstUse(keyId, nonce))) {
      await recordSecurityEvent(deps.sql, { kind: 'api_key_replay_refused', userId: key.userId, ip, detail: { key_id: keyId } });
      throw new ApiError(ErrorCode.RequestReplayed, 'this X-Api-Nonce was already used: a replayed request');
    }
    apiKeyUse.record(keyId);
    return user;
  }

  const authenticate = (options: {
    allowApiKey: boolean;
    roles?: readonly Role[];
    settled?: true;
  }): MiddlewareHandler<AppEnv> => {
    const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
      const authorization = c.req.header('authorization');
      const apiKey = c.req.header('x-api-key');
      let user: Principal;
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
      const refusal = principalRefusal(user, clientIp(c, deps.settings.trustProxy));
      if (refusal) throw refusal;
      if (options.roles && !options.roles.includes(user.role)) {
        throw new ApiError(ErrorCode.Forbidden, `this needs the ${options.roles.join(' or ')} role`);
      }
      c.set('user', { id: user.id, email: user.email, role: user.role, via });
      if (options.settled) {
        const settling = deps.exchange.settledFor(user.id);
        if (settling) await settling;
      }
      await next();
    };
    return options.allowApiKey ? guard : takesBearerOnly(guard);
  };

  return {
    user: authenticate({ allowApiKey: true }),
    funds: authenticate({ allowApiKey: true, settled: true }),
    session: authenticate({ allowApiKey: false }),
    operator: authenticate({ allowApiKey: true, roles: OPERATOR_ROLES }),
    admin: authenticate({ allowApiKey: false, roles: ADMIN_ROLES }),
  };
}
