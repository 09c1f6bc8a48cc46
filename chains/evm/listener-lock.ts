/**
 * Single active listener per chain: a session-level advisory lock, held by a connection reserved for it. The lock
 * lives exactly as long as that session, so a listener checks that its session still holds it before each round
 * (a connection that broke and reconnected would not).
 */
import type { Db } from '../../platform/db/client.js';

const lockKey = (chain: string) => `sluice:listener:${chain}`;

export async function tryLead(session: Db, chain: string): Promise<boolean> {
  const [row] = await session`select pg_try_advisory_lock(hashtext(${lockKey(chain)})::bigint) as locked`;
  return row!.locked as boolean;
}

export async function stillLeads(session: Db, chain: string): Promise<boolean> {
  try {
    // a bigint advisory key is stored as classid (high 32 bits) and objid (low 32 bits)
    const [row] = await session`
      with k as (select hashtext(${lockKey(chain)})::bigint as key)
      select count(*)::int as held from pg_locks, k
      where locktype = 'advisory' and granted and pid = pg_backend_pid() and objsubid = 1
        and classid = ((k.key >> 32) & 4294967295)::oid and objid = (k.key & 4294967295)::oid`;
    return (row!.held as number) > 0;
  } catch {
    return false;
  }
}
