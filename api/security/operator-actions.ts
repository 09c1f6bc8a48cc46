/**
 * Every change an operator or admin makes, through the API (`/v1/ops/*`) or the console (`/ops/*`), is a security
 * event: method, path and status, recorded once the change succeeded. Reads are not recorded.
 */
import type { MiddlewareHandler } from 'hono';
import { recordSecurityEvent } from '../../services/security/client.js';
import type { ApiDeps } from '../context.js';
import { clientIp } from '../http/client-ip.js';

export function recordOperatorActions(deps: ApiDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.res.status >= 400) return;
    // the API's guards set `user`, the console's session `operator`
    const actor = (c.get('user') ?? c.get('operator')) as { id: string; role: string } | undefined;
    if (!actor || (actor.role !== 'operator' && actor.role !== 'admin')) return;
    await recordSecurityEvent(deps.sql, {
      kind: 'operator_action',
      actorId: actor.id,
      ip: clientIp(c, deps.settings.trustProxy),
      detail: { method: c.req.method, path: c.req.path, status: c.res.status },
    });
  };
}
