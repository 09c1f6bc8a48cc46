/**
 * The caller's IP: the socket's peer, or, when a trusted proxy sits in front, the X-Forwarded-For hop it added: the
 * last. Proxies append the peer they saw to whatever the client sent, so every hop before the last is the client's
 * own word: taking the first let anyone name an address on a victim's allow-list, or a new one per guess past the
 * per-IP throttle.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export function clientIp(c: Context, trustProxy: boolean): string {
  const forwarded = forwardedIp(c.req.header('x-forwarded-for'), trustProxy);
  if (forwarded) return forwarded;
  try {
    return withoutZone(getConnInfo(c).remote.address ?? '');
  } catch {
    return ''; // not served by node (app.request in tests): no socket to read
  }
}

/** The same for a websocket's upgrade request, which node hands over before Hono sees it. */
export function upgradeRequestIp(request: IncomingMessage, trustProxy: boolean): string {
  // node joins a repeated X-Forwarded-For into one string, as Hono's header() reads it
  const forwardedFor = request.headers['x-forwarded-for'] as string | undefined;
  return forwardedIp(forwardedFor, trustProxy) ?? withoutZone(request.socket.remoteAddress ?? '');
}

/** The proxy's hop (the last) when it is an address (one PostgreSQL's inet takes); anything else, the socket's peer. */
function forwardedIp(header: string | undefined, trustProxy: boolean): string | undefined {
  const hop = trustProxy ? withoutZone(header?.split(',').at(-1)?.trim() ?? '') : '';
  return isIP(hop) ? hop : undefined;
}

/** A link-local IPv6 peer's zone id (`fe80::1%eth0`) names our interface, not the caller: inet refuses it. */
function withoutZone(address: string): string {
  const zone = address.indexOf('%');
  return zone < 0 ? address : address.slice(0, zone);
}
