/**
 * Replay protection for signed API key requests: each request carries a nonce, and a nonce its key already used
 * within the timestamp window is refused. The record is a Postgres unique key (api_key_nonces), so every API process
 * agrees; concurrent requests share one INSERT (group commit), so a burst costs one statement, not one each. Rows
 * older than the window are deleted now and then (and one not yet deleted counts as unused): the timestamp check
 * refuses those requests anyway.
 */
import { BatchQueue } from '../../platform/db/batch-queue.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';

const MAX_BATCH = 1_000;
const SWEEP_INTERVAL_MS = 60_000;

interface NonceUse {
  keyId: string;
  nonce: string;
}

export class ApiKeyNonces {
  private readonly queue: BatchQueue<NonceUse, boolean>;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly sql: Sql,
    private readonly windowSeconds: number,
    log: Logger,
  ) {
    this.queue = new BatchQueue((uses) => this.recordBatch(uses), MAX_BATCH);
    this.sweep = setInterval(() => {
      sql`delete from api_key_nonces where expires_at < now()`.catch((error) =>
        log.warn({ error }, 'could not delete expired API key nonces'),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  /** True the first time the key uses this nonce within the window; false for a replay. */
  firstUse(keyId: string, nonce: string): Promise<boolean> {
    return this.queue.submit({ keyId, nonce });
  }

  close(): void {
    clearInterval(this.sweep);
  }

  private async recordBatch(uses: NonceUse[]): Promise<boolean[]> {
    const id = (u: NonceUse) => `${u.keyId}\n${u.nonce}`;
    // the same nonce twice in one batch: only its first request may go on
    const first = new Set<string>();
    const unique = uses.filter((u) => !first.has(id(u)) && first.add(id(u)));
    // expires after twice the window: a timestamp may be up to a window ahead of the clock as well as behind it
    const inserted = await this.sql`
      insert into api_key_nonces (key_id, nonce, expires_at)
      select key_id, nonce, now() + ${2 * this.windowSeconds} * interval '1 second'
      from unnest(${this.sql.array(unique.map((u) => u.keyId))}::text[], ${this.sql.array(unique.map((u) => u.nonce))}::text[])
        as u(key_id, nonce)
      on conflict (key_id, nonce) do update set expires_at = excluded.expires_at where api_key_nonces.expires_at < now()
      returning key_id, nonce`;
    const fresh = new Set(inserted.map((r) => `${r.keyId}\n${r.nonce}`));
    return uses.map((u) => {
      const ok = fresh.has(id(u));
      fresh.delete(id(u));
      return ok;
    });
  }
}
