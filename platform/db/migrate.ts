/**
 * Applies db/migrations/*.sql in name order, once each, under an advisory lock so several processes starting
 * together migrate exactly once. An applied file that changed since is refused: write a new migration instead.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from './client.js';

const MIGRATIONS_DIR = new URL('../../db/migrations/', import.meta.url);
const LOCK_ID = 7_355_608_001;

export async function migrate(sql: Sql): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_ID})`;
    await tx`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`;
    const applied = new Map((await tx`select name, checksum from schema_migrations`).map((r) => [r.name, r.checksum]));
    const ran: string[] = [];
    for (const name of files) {
      const text = await readFile(new URL(name, MIGRATIONS_DIR), 'utf8');
      const checksum = createHash('sha256').update(text).digest('hex');
      const previous = applied.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`migration ${name} changed after it was applied`);
        continue;
      }
      await tx.unsafe(text);
      await tx`insert into schema_migrations (name, checksum) values (${name}, ${checksum})`;
      ran.push(name);
    }
    return ran;
  });
}
