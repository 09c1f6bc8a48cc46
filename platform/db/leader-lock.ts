/**
 * One active process per role and deployment (the listeners): a session-level Postgres advisory lock held on a
 * connection of its own. A standby polls for the lock; when the leader's connection dies, Postgres releases the
 * lock and a standby takes over. The leader hears when its connection closes, and then must stop at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';

export interface Leadership {
  /** Resolves when the lock's connection is gone: stop working, another process may be leading now. */
  lost: Promise<string>;
  release(): Promise<void>;
}

export async function acquireLeadership(
  databaseUrl: string,
  role: string,
  options: { retryMs?: number; checkMs?: number; onStandby?: () => void; signal?: AbortSignal } = {},
): Promise<Leadership> {
  let lose: (reason: string) => void = () => {};
  let leading = false;
  // one connection that never idles out or retires: the lock lives exactly as long as it does
  const lock = postgres(databaseUrl, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: 0,
    onnotice: () => {},
    connection: { application_name: `sluice-leader:${role}` },
    onclose: () => leading && lose('the lock connection closed'),
  });
  const key = `sluice:leader:${role}`;
  try {
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      const [row] = await lock`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked`;
      if (row!.locked) break;
      if (attempt === 0) options.onStandby?.();
      await sleep(options.retryMs ?? 2_000);
    }
  } catch (error) {
    await lock.end({ timeout: 1 });
    throw error;
  }

  leading = true;
  const lost = new Promise<string>((resolve) => (lose = resolve));
  // a peer that vanished without closing the socket shows up as a failing round trip
  const check = setInterval(() => {
    lock`select 1`.catch((error: unknown) =>
      lose(`the lock connection failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, options.checkMs ?? 5_000);
  void lost.then(() => clearInterval(check));

  return {
    lost,
    async release() {
      leading = false;
      clearInterval(check);
      await lock.end({ timeout: 5 });
    },
  };
}
