/** A Temporal Schedule that starts one workflow every N minutes: created at a worker's start-up, or moved to the configured interval. */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Logger } from '../log.js';
import type { TemporalTarget } from './target.js';

export interface IntervalSchedule {
  scheduleId: string;
  workflowType: string;
  /** Every run has this ID (Temporal adds the time); a run still going when the next is due makes it skip. */
  workflowId: string;
  args: unknown[];
  typedSearchAttributes: SearchAttributePair[];
  description: string;
}

export async function ensureIntervalSchedule(
  temporal: TemporalTarget,
  schedule: IntervalSchedule,
  intervalMinutes: number,
  log: Logger,
): Promise<void> {
  const spec = { intervals: [{ every: `${intervalMinutes}m` as const }] };
  try {
    await temporal.client.schedule.create({
      scheduleId: schedule.scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: schedule.workflowType,
        workflowId: schedule.workflowId,
        taskQueue: temporal.taskQueue,
        args: schedule.args,
        typedSearchAttributes: schedule.typedSearchAttributes,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { description: schedule.description },
    });
    log.info({ schedule: schedule.scheduleId, every: spec.intervals[0]!.every }, 'created a schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.client.schedule.getHandle(schedule.scheduleId).update((previous) => ({ ...previous, spec }));
  }
}
