/**
 * The SQL half of a versioned outbox: a row keeps `version` (raised whenever its workflows must hear something new)
 * and `signalled_version` (what they have heard), with a partial index on the rows where the first is ahead.
 */
import type { Db } from './client.js';

/** The versioned outboxes, each with the column that keys its rows; a new one adds its columns and its line here. */
const ROW_KEYS = { evm_sends: 'id', evm_deposit_observations: 'deposit_id' } as const;
export type VersionedOutboxTable = keyof typeof ROW_KEYS;

/**
 * Records that the workflows heard each row up to `version`, in one statement for a whole round of signals; a round
 * that heard less (an older one finishing late) never lowers it.
 */
export async function markVersionsSignalled(
  db: Db,
  table: VersionedOutboxTable,
  heard: Array<{ id: string; version: number }>,
): Promise<void> {
  if (heard.length === 0) return;
  await db`
    update ${db(table)} o set signalled_version = greatest(o.signalled_version, h.version)
    from (select unnest(${db.array(heard.map((h) => h.id))}::bigint[]) as id,
                 unnest(${db.array(heard.map((h) => h.version))}::int[]) as version) h
    where o.${db(ROW_KEYS[table])} = h.id`;
}
