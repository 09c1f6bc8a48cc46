import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrationOrder } from '../../platform/db/migrate.js';

describe('migration order', () => {
  it('follows the leading numbers, so a four-digit migration applies after 999', () => {
    expect(migrationOrder(['1000_next.sql', '999_last.sql', '100_a.sql', '001_init.sql', 'README.md', '010_b.sql'])).toEqual([
      '001_init.sql',
      '010_b.sql',
      '100_a.sql',
      '999_last.sql',
      '1000_next.sql',
    ]);
  });

  it('gives no two migrations one number (two branches adding the same next number would apply in name order)', () => {
    const numbers = readdirSync(new URL('../../db/migrations/', import.meta.url))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => Number(/^\d+/.exec(f)?.[0]));
    expect(numbers.every(Number.isInteger)).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
