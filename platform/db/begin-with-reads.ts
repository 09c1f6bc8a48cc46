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
  return stagedTransaction(sql, reads, async (tx, read) => ({ written: Promise.resolve(await body(tx, read)) }));
}

/** What a staged body returns once it has sent its last statements, without waiting for their answers. */
export interface Staged<T> {
  written: Promise<T>;
}

/**
 * beginWithReads whose COMMIT also travels with the transaction's last writes: `stage` resolves once it has issued
 * every statement it will send (`written` settles when they are answered), and COMMIT goes out behind them. A write
 * that fails aborts the transaction, so COMMIT answers as a rollback and `written` rejects with the write's error.
 * A round trip less for a writer whose last statements need no answer before it commits (the bet placer).
 */
export async function stagedTransaction<R, T>(
  sql: Sql,
  reads: (tx: Tx) => Promise<R>,
  stage: (tx: Tx, read: R) => Promise<Staged<T>>,
): Promise<T> {
  const reserved = await sql.reserve();
  // a reserved connection serves as a transaction's: what it lacks is savepoints, which no caller takes
  const tx = reserved as unknown as Tx;
  try {
    const [, read] = await Promise.all([reserved`begin`.execute(), reads(tx)]);
    const { written } = await stage(tx, read);
    const [result, committed] = await Promise.all([written, reserved`commit`.execute()]);
    // a failed statement whose error nothing awaited would have turned COMMIT into a rollback
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
