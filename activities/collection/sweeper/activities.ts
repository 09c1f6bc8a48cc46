/** The sweeper's one activity: a tick over every open sweep of the chain (see tick.ts). */
import { sweepTick, type SweeperDeps } from './tick.js';

export function createEvmSweeperActivities(deps: SweeperDeps) {
  return { sweepTick: sweepTick.bind(null, deps) };
}
