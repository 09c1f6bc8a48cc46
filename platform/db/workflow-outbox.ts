/**
 * The SQL half of store-then-start (platform/temporal/start-after-commit.ts): a table whose rows each own a workflow
 * keeps `workflow_started` (false until the start went through) and `created_at`, with a partial index on the
 * unstarted rows, so the sweep finds the few that were missed without scanning the table.
 */
import type { Db } from './client.js';

/** The tables whose rows start workflows; a new one adds its columns in a migration and its name here. */
export type WorkflowOutboxTable = 'withdrawals' | 'bet_events' | 'webhook_deliveries' | 'reports' | 'invoices' | 'broadcasts';

export async function markWorkflowStarted(db: Db, table: WorkflowOutboxTable, id: string): Promise<void> {
  await db`update ${db(table)} set workflow_started = true where id = ${id}`;
}

/** Rows stored more than `olderThanSeconds` ago whose workflow is not recorded as started, oldest first, 100 at most. */
export async function rowsWithoutWorkflow(db: Db, table: WorkflowOutboxTable, olderThanSeconds: number) {
  return db`
    select * from ${db(table)}
    where not workflow_started and created_at < now() - make_interval(secs => ${olderThanSeconds})
    order by created_at limit 100`;
}
