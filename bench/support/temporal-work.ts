/**
 * What Temporal did for a run, counted from the server's own histories: workflow tasks completed, activity tasks
 * scheduled and local activities run (their markers), per workflow type, for events from a given time on. The gas
 * keeper and other long-lived workflows count only their events inside the window.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';

export interface WorkCount {
  workflows: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
}

const CONCURRENCY = 16;

export async function temporalWorkSince(client: Client, since: Date): Promise<Map<string, WorkCount>> {
  const executions: Array<{ workflowId: string; runId: string; type: string }> = [];
  for await (const w of client.workflow.list()) executions.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  const counts = new Map<string, WorkCount>();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < executions.length) {
        const { workflowId, runId, type } = executions[next++]!;
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        const events = (history.events ?? []).filter((e) => tsToMs(e.eventTime) >= since.getTime());
        if (events.length === 0) continue;
        const count = counts.get(type) ?? { workflows: 0, workflowTasks: 0, activities: 0, localActivities: 0 };
        count.workflows++;
        for (const e of events) {
          if (e.workflowTaskCompletedEventAttributes) count.workflowTasks++;
          if (e.activityTaskScheduledEventAttributes) count.activities++;
          if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') count.localActivities++;
        }
        counts.set(type, count);
      }
    }),
  );
  return counts;
}

/** One row per workflow type and a total, each divided by the number of deposits. */
export function perDeposit(counts: Map<string, WorkCount>, deposits: number) {
  const rows = [...counts.entries()].map(([type, c]) => ({ type, ...c }));
  const total = rows.reduce(
    (t, r) => ({
      workflows: t.workflows + r.workflows,
      workflowTasks: t.workflowTasks + r.workflowTasks,
      activities: t.activities + r.activities,
      localActivities: t.localActivities + r.localActivities,
    }),
    { workflows: 0, workflowTasks: 0, activities: 0, localActivities: 0 },
  );
  const per = (n: number) => +(n / deposits).toFixed(2);
  return [...rows, { type: 'total', ...total }].map((r) => ({
    workflow: r.type,
    runs: r.workflows,
    'workflow tasks': r.workflowTasks,
    activities: r.activities,
    'local activities': r.localActivities,
    'tasks / deposit': per(r.workflowTasks),
    'activities / deposit': per(r.activities + r.localActivities),
  }));
}
