/**
 * sql.begin without a round trip of its own for BEGIN: BEGIN goes out with the transaction's first statements
 * (postgres.js pipelines what is issued at once on one connection, and the server runs it in order). For a writer
 * whose transactions are all round trips, as a market's batch. A statement sent after a BEGIN that failed would run
 * outside any transaction, so those first statements are reads (`reads`), and `body`, which writes, starts only once
 * BEGIN has answered; `reads` is given BEGIN's answer (`began`) for a first round trip that must sometimes write (the
 * ledger's, which then waits for it).
 *
 * The body may send COMMIT itself (`commit`), right behind its last writes, instead of a round trip after their
 * answers: it does so only once every statement of the transaction has been issued and nothing it will still learn
 * from their answers could call for a rollback (a failing statement turns that COMMIT into a rollback, which
 * `commit` reports as an error). Otherwise COMMIT goes out once the body has returned.
 */
import type { Sql, Tx } from './client.js';

/** Sends COMMIT now, behind whatever the transaction has in flight; resolves once committed. */
export type Commit = () => Promise<void>;

/**
 * Calls `drained` once the microtask queue has run out, still in the event loop's current turn: node runs a tick
 * queued from a microtask only after the whole microtask queue (microtasks queued meanwhile included). A setImmediate
 * would wait as surely, but COMMIT was then issued in the check phase, and postgres.js sends a message under 1 KB on
 * its own next setImmediate: a whole turn later, behind the next turn's I/O. Issued now, it goes out in this turn.
 */
function microtasksDrained(drained: () => void): void {
  queueMicrotask(() => process.nextTick(drained));
}

export async function beginWithReads<R, T>(
  sql: Sql,
  reads: (tx: Tx, began: Promise<unknown>) => Promise<R>,
  body: (tx: Tx, read: R, commit: Commit) => Promise<T>,
): Promise<T> {
  const reserved = await sql.reserve();
  // a reserved connection serves as a transaction's: what it lacks is savepoints, which no caller takes
  const tx = reserved as unknown as Tx;
  let committing: Promise<void> | undefined;
  const commit: Commit = () => {
    // postgres.js sends a statement a microtask or two after it is awaited (or put in a Promise.all): COMMIT waits
    // for the microtasks to run out, so it goes out behind every statement the body has issued, never before one
    committing ??= new Promise<void>(microtasksDrained)
      .then(() => reserved`commit`)
      .then((committed) => {
        // a failed statement, whether or not the body saw its error, turns COMMIT into a rollback
        if (committed.command !== 'COMMIT') throw new Error('the transaction was rolled back: one of its statements failed');
      });
    // whatever the body does with it, a failure also reaches the caller through the await below
    committing.catch(() => {});
    return committing;
  };
  try {
    const began = reserved`begin`.execute();
    const [, read] = await Promise.all([began, reads(tx, began)]);
    const result = await body(tx, read, commit);
    await commit();
    return result;
  } catch (error) {
    // sent after whatever the body still has in flight, on the same connection (harmless after a COMMIT)
    await reserved`rollback`.catch(() => {});
    throw error;
  } finally {
    reserved.release();
  }
}
