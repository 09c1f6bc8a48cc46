/**
 * Applies db/migrations/*.sql in their numbers' order, once each, under an advisory lock so several processes starting
 * together migrate exactly once. An applied file that changed since is refused: write a new migration instead.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from './client.js';

const MIGRATIONS_DIR = new URL('../../db/migrations/', import.meta.url);
const LOCK_ID = 7_355_608_001;

/**
 * Migrations in the order they apply: by their leading number, then by name, so `1000_…` follows `999_…` (a plain
 * name order would put it after `0…` and before `100_…`). Any name without a number sorts first, by name.
 */
export function migrationOrder(files: readonly string[]): string[] {
  const numberOf = (name: string) => Number(/^\d+/.exec(name)?.[0] ?? -1);
  return files.filter((f) => f.endsWith('.sql')).sort((a, b) => numberOf(a) - numberOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export async function migrate(sql: Sql): Promise<string[]> {
  const files = migrationOrder(await readdir(MIGRATIONS_DIR));
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
