/**
 * When each API key was last used (`last_used_at`, shown to its owner), recorded at most once a minute per key and
 * process: the hot path sends no statement for it on the other requests, not merely no write.
 */
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { touchApiKey } from './api-keys-store.js';

const INTERVAL_MS = 60_000;
/** Keys remembered; beyond this the oldest are forgotten (and recorded again on their next use). */
const MAX_KEYS = 100_000;

export class ApiKeyUse {
  private readonly lastRecordedMs = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  record(keyId: string, nowMs = Date.now()): void {
    const last = this.lastRecordedMs.get(keyId);
    if (last !== undefined && nowMs - last < INTERVAL_MS) return;
    this.lastRecordedMs.delete(keyId);
    this.lastRecordedMs.set(keyId, nowMs);
    if (this.lastRecordedMs.size > MAX_KEYS) this.lastRecordedMs.delete(this.lastRecordedMs.keys().next().value!);
    touchApiKey(this.db, keyId).catch((error) => this.log.warn({ error }, 'could not record API key use'));
  }
}
