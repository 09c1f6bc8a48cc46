/**
 * Store the row, then start its workflow: the one way a feature starts a workflow for a row it commits (an outbox).
 * The row is committed first, recording that its workflow is not started; the workflow is started right after the
 * commit and the row marked started. Should the start fail, or the process die in between, a worker's periodic sweep
 * (`startMissed`) starts it. Starting twice is harmless: the workflow ID is the row's business key and a start joins
 * a running workflow of that ID (`workflowIdConflictPolicy: 'USE_EXISTING'`).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from '../log.js';
import { eachLimited } from '../each-limited.js';

/** A feature's rows that each have a workflow: how to start one, record it started, and find those not started. */
export interface WorkflowOutbox<Row> {
  /** What a row is, for the logs: `withdrawal`, `bet event`. */
  kind: string;
  idOf(row: Row): string;
  /**
   * Starts the row's workflow, joining it if it runs already (USE_EXISTING). A workflow of that ID that already
   * closed and may not run again refuses the start (WorkflowExecutionAlreadyStartedError): that counts as started.
   */
  start(row: Row): Promise<void>;
  /** Records that the row's workflow is started, so the sweep passes it by. */
  markStarted(row: Row): Promise<void>;
  /** Rows stored more than `graceSeconds` ago whose workflow is not recorded as started, oldest first, a batch at most. */
  unstarted(graceSeconds: number): Promise<Row[]>;
}

async function startAndMark<Row>(outbox: WorkflowOutbox<Row>, row: Row): Promise<void> {
  try {
    await outbox.start(row);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await outbox.markStarted(row);
}

/**
 * Runs `store` (the SQL transaction that stores the row, its workflow not started), then starts the workflow of the
 * row it stored and marks it started. `store` returns null when it stored nothing new (an idempotent repeat), and
 * nothing is started. A failed start is logged, not thrown: the row is committed and the sweep starts its workflow.
 */
export async function storeThenStart<Row>(
  outbox: WorkflowOutbox<Row>,
  store: () => Promise<Row | null>,
  log: Logger,
): Promise<Row | null> {
  const row = await store();
  if (row === null) return null;
  try {
    await startAndMark(outbox, row);
  } catch (error) {
    log.warn({ err: error, kind: outbox.kind, id: outbox.idOf(row) }, `could not start the ${outbox.kind} workflow now`);
  }
  return row;
}

/**
 * The sweep a worker runs periodically: starts the workflows of rows stored more than `graceSeconds` ago that are not
 * marked started (their process died, or Temporal refused, right after the commit). Returns how many it started.
 * `graceSeconds` leaves the storing process time to start the workflow itself.
 */
export async function startMissed<Row>(outbox: WorkflowOutbox<Row>, graceSeconds: number, log: Logger): Promise<number> {
  const missed = await outbox.unstarted(graceSeconds);
  for (const row of missed) {
    await startAndMark(outbox, row);
    log.warn({ kind: outbox.kind, id: outbox.idOf(row) }, `started a ${outbox.kind} workflow its API request had not`);
  }
  return missed.length;
}

/**
 * Starts the workflows of rows another process's transaction stored, once told they committed (a NOTIFY delivered at
 * commit), `concurrency` at a time. A start that fails is logged and left to the sweep. Returns how many it started.
 */
export async function startStored<Row>(outbox: WorkflowOutbox<Row>, rows: Row[], log: Logger, concurrency = 16): Promise<number> {
  const { done } = await eachLimited(rows, concurrency, (row) =>
    startAndMark(outbox, row).catch((error: unknown) => {
      log.warn({ err: error, kind: outbox.kind, id: outbox.idOf(row) }, `could not start the ${outbox.kind} workflow now`);
      throw error;
    }),
  );
  return done.length;
}

/**
 * The answer to a NOTIFY delivered at the commit of another process's transaction that stored rows (webhook
 * deliveries, invoices): starts every row not started yet, a page at a time, `concurrency` starts in flight. A page
 * with failed starts ends the pass; the sweep retries them. Returns how many it started.
 */
export async function startNotified<Row>(outbox: WorkflowOutbox<Row>, log: Logger, concurrency?: number): Promise<number> {
  let started = 0;
  for (;;) {
    const rows = await outbox.unstarted(0);
    const now = await startStored(outbox, rows, log, concurrency);
    started += now;
    // a full page means more may wait (rowsWithoutWorkflow answers 100 at most)
    if (rows.length < 100 || now < rows.length) return started;
  }
}
