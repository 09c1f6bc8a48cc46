/**
 * sql.begin without a round trip of its own for BEGIN: BEGIN goes out with the transaction's first statements
 * (postgres.js pipelines what is issued at once on one connection, and the server runs it in order). For a writer
 * whose transactions are all round trips, as a market's batch. A statement sent after a BEGIN that failed would run
 * outside any transaction, so those first statements are reads (`reads`), and `body`, which writes, starts only once
 * BEGIN has answered.
 */
import type { Sql, Tx } from './client.js';

export async function beginWithReads<R, T>(
  sql: Sql,
  reads: (tx: Tx) => Promise<R>,
  body: (tx: Tx, read: R) => Promise<T>,
): Promise<T> {
  const reserved = await sql.reserve();
  // a reserved connection serves as a transaction's: what it lacks is savepoints, which no caller takes
  const tx = reserved as unknown as Tx;
  try {
    const [, read] = await Promise.all([reserved`begin`.execute(), reads(tx)]);
    const result = await body(tx, read);
    // a failed statement whose error the body did not see would have turned COMMIT into a rollback
    const committed = await reserved`commit`;
    if (committed.command !== 'COMMIT') throw new Error('the transaction was rolled back: one of its statements failed');
    return result;
  } catch (error) {
    // sent after whatever the body still has in flight, on the same connection
    await reserved`rollback`.catch(() => {});
    throw error;
  } finally {
    reserved.release();
  }
}
