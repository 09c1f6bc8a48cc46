/** The caller's IP: the socket's peer, or the first X-Forwarded-For hop when a trusted proxy sits in front. */
import type { IncomingMessage } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export function clientIp(c: Context, trustProxy: boolean): string {
  const forwarded = forwardedIp(c.req.header('x-forwarded-for'), trustProxy);
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? '';
  } catch {
    return ''; // not served by node (app.request in tests): no socket to read
  }
}

/** The same for a websocket's upgrade request, which node hands over before Hono sees it. */
export function upgradeRequestIp(request: IncomingMessage, trustProxy: boolean): string {
  // node joins a repeated X-Forwarded-For into one string, as Hono's header() reads it
  const forwardedFor = request.headers['x-forwarded-for'] as string | undefined;
  return forwardedIp(forwardedFor, trustProxy) ?? request.socket.remoteAddress ?? '';
}

function forwardedIp(header: string | undefined, trustProxy: boolean): string | undefined {
  return (trustProxy && header?.split(',')[0]?.trim()) || undefined;
}
