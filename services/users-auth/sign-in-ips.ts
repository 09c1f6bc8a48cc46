/**
 * The addresses a user signs in from. A sign-in from one not seen before (and not the account's first sign-in) tells
 * the user, as `login_new_ip` through their notification channels, in the transaction that remembers the address: one
 * notice per user and address, however many sign-ins race.
 */
import { isIP } from 'node:net';
import type { Sql } from '../../platform/db/client.js';
import { notifyUser } from '../notifications/client.js';

export async function rememberSignInIp(sql: Sql, userId: string, seen: { ip: string; userAgent?: string }): Promise<void> {
  // a request with no peer address (served in-process, not over a socket) has nothing to remember or compare
  if (isIP(seen.ip) === 0) return;
  await sql.begin(async (tx) => {
    const [row] = await tx`
      with known as (select count(*)::int as addresses from user_sign_in_ips where user_id = ${userId})
      insert into user_sign_in_ips (user_id, ip) values (${userId}, ${seen.ip})
      on conflict (user_id, ip) do update set last_seen_at = now()
      returning (xmax = 0) as new, (select addresses from known) as before, first_seen_at`;
    if (!row!.new || row!.before === 0) return;
    const at = (row!.firstSeenAt as Date).toISOString();
    await notifyUser(tx, {
      eventId: `login-new-ip:${userId}:${seen.ip}`,
      userId,
      type: 'login_new_ip',
      title: 'New sign-in to your Sluice account',
      severity: 'warning',
      data: { ip: seen.ip, at, user_agent: seen.userAgent ?? 'unknown' },
    });
  });
}
