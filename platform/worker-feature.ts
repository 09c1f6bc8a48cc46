/**
 * How a feature takes part in the worker process, and how the process runs the features it is given: each starts
 * once (schedules, long-lived workflows, registrations) and hands back its activities, its sweeps and its clean-up.
 */
import type { UntypedActivities } from '@temporalio/common';
import type { Logger } from './log.js';

export interface WorkerFeature<Deps> {
  /** Names the feature in start-up errors. */
  name: string;
  /**
   * Runs once per process, in list order, before the worker polls. What the feature's pieces share (a mailer, the
   * providers its activities pay through) is built here and kept in the closure.
   */
  start(deps: Deps): Promise<FeatureContribution>;
}

export interface FeatureContribution {
  /** Registered under their keys: workflows, and the recorded histories replayed in tests, schedule them by name. */
  activities: UntypedActivities;
  sweeps?: Sweep[];
  /** Runs once the worker has stopped polling and its running activities have finished. */
  close?(): Promise<void> | void;
}

/** Periodic repair, e.g. starting a workflow whose starter died between storing its row and starting it. */
export interface Sweep {
  /** As the log names it when a run fails ("withdrawal sweep failed"). */
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

export interface StartedFeatures {
  /** Every feature's activities, for `Worker.create`. */
  activities: UntypedActivities;
  /** Starts every sweep's timer; the function returned stops them. */
  runSweeps(log: Logger): () => void;
  /** Closes the features in reverse start order. */
  close(): Promise<void>;
}

export async function startFeatures<Deps>(features: Array<WorkerFeature<Deps>>, deps: Deps): Promise<StartedFeatures> {
  const started: Array<FeatureContribution & { name: string }> = [];
  for (const feature of features) started.push({ name: feature.name, ...(await feature.start(deps)) });
  return {
    activities: mergeActivities(started),
    runSweeps(log) {
      const timers = started
        .flatMap((feature) => feature.sweeps ?? [])
        .map((sweep) =>
          setInterval(() => {
            sweep.run().catch((error) => log.error({ err: error }, `${sweep.name} failed`));
          }, sweep.everyMs),
        );
      return () => timers.forEach(clearInterval);
    },
    async close() {
      for (const feature of [...started].reverse()) await feature.close?.();
    },
  };
}

/** One registry of activity names: a name two features both register would silently run only one of them. */
function mergeActivities(started: Array<FeatureContribution & { name: string }>): UntypedActivities {
  const merged: UntypedActivities = {};
  const registeredBy = new Map<string, string>();
  for (const { name: feature, activities } of started) {
    for (const [name, activity] of Object.entries(activities)) {
      const earlier = registeredBy.get(name);
      if (earlier) throw new Error(`activity ${name} is registered by both the ${earlier} and the ${feature} feature`);
      registeredBy.set(name, feature);
      merged[name] = activity;
    }
  }
  return merged;
}
