/**
 * One active process per role and deployment (the listeners): a session-level Postgres advisory lock held on a
 * connection of its own. A standby polls for the lock; when the leader's connection dies, Postgres releases the
 * lock and a standby takes over. The leader checks its connection and hears when it has lost the lock.
 */
import type { Sql } from './client.js';

export interface Leadership {
  /** Resolves when the lock's connection is gone: stop working at once, another process may be leading. */
  lost: Promise<string>;
  release(): Promise<void>;
}

export async function acquireLeadership(
  sql: Sql,
  role: string,
  options: { retryMs?: number; checkMs?: number; onStandby?: () => void; signal?: AbortSignal } = {},
): Promise<Leadership> {
  const retryMs = options.retryMs ?? 2_000;
  const checkMs = options.checkMs ?? 2_000;
  const reserved = await sql.reserve();
  const key = `sluice:leader:${role}`;
  let pid: number;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    const [row] = await reserved`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked, pg_backend_pid() as pid`;
    if (row!.locked) {
      pid = Number(row!.pid);
      break;
    }
    if (attempt === 0) options.onStandby?.();
    await new Promise((r) => setTimeout(r, retryMs));
  }

  let lose!: (reason: string) => void;
  const lost = new Promise<string>((resolve) => (lose = resolve));
  // postgres.js reconnects a broken connection on the next query: a new backend pid means the lock went with the old
  const check = setInterval(() => {
    reserved`select pg_backend_pid() as pid`.then(
      ([row]) => Number(row!.pid) !== pid && lose('the lock connection was replaced'),
      (error: unknown) => lose(`the lock connection failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, checkMs);
  void lost.then(() => clearInterval(check));

  return {
    lost,
    async release() {
      clearInterval(check);
      await reserved`select pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => {});
      reserved.release();
    },
  };
}
