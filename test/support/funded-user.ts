/** A user inserted straight into a test database and funded through the ledger (posted from equity:adjustments). */
import { expect } from 'vitest';
import { userAccountName } from '../../domain/ledger/engine.js';
import type { Sql } from '../../platform/db/client.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { insertUser } from '../../services/users-auth/users-store.js';

let users = 0;

/** Minor units per currency; the email's prefix tells the tests' users apart in a failure. */
export async function fundedUser(sql: Sql, prefix: string, funds: Record<string, bigint>): Promise<string> {
  const user = (await insertUser(sql, { email: `${prefix}${++users}@example.com`, passwordHash: 'x', role: 'user' }))!;
  for (const [currency, amount] of Object.entries(funds)) {
    const outcome = await new LedgerWriter(sql).submit({
      transfers: [
        {
          kind: 'posted',
          key: `fund:${user.id}:${currency}`,
          debit: 'equity:adjustments',
          credit: userAccountName(user.id),
          currency,
          amount,
        },
      ],
    });
    expect(outcome.ok).toBe(true);
  }
  return user.id;
}
