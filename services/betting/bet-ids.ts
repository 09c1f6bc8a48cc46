/**
 * Bet ids drawn from `bets_id_seq` a batch ahead: a stake's hold is keyed by its bet (bet:<id>:stake), so a batch
 * needs its ids before the ledger's reads can go out, and with them in hand those reads travel in the batch's first
 * round trip instead of a second one (placement.ts). Each batch draws as many ids as it took, with its first
 * statements, for the batch after it. A sequence is not transactional: ids drawn stay drawn whatever the transaction
 * does, and those never used are gaps, as a refused bet's always were.
 */
import type { Sql, Tx } from '../../platform/db/client.js';

/** `n` fresh ids, as a column of a select: an array of text. */
export const drawnIds = (db: Sql | Tx, n: number) => db`array(select nextval('bets_id_seq')::text from generate_series(1, ${n}))`;

export class BetIdReserve {
  private ids: string[] = [];

  /**
   * Ids for `n` bets from the reserve, in one synchronous step, so batches in flight at once never share one; none
   * when it holds fewer (the first batch, or one larger than any before it: it draws its own, `draw`, and what it draws
   * for the next batch then leaves a reserve of its size, so the reserve stays under twice the largest batch).
   */
  take(n: number): string[] | undefined {
    return this.ids.length >= n ? this.ids.splice(0, n) : undefined;
  }

  /** `n` ids drawn now: a round trip of their own, before the batch. */
  async draw(sql: Sql, n: number): Promise<string[]> {
    const [row] = await sql`select ${drawnIds(sql, n)} as ids`;
    return row!.ids as string[];
  }

  /** Ids a batch drew for those after it. */
  add(ids: string[]): void {
    this.ids.push(...ids);
  }
}
