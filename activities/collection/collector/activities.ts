/**
 * The EVM collector's activities, one per step of workflows/collection/collector; the names are the workflow's (and
 * its recorded histories'): renaming one breaks running collectors.
 */
import { sweepConfirmed } from './confirm.js';
import { prepareSweep } from './estimate-gas.js';
import { gasFundingState, requestGasFunding, type GasFundingDeps } from './gas-funding.js';
import { planSweeps } from './plan.js';
import { recordSweep } from './record.js';
import { sendSweep } from './send.js';

/**
 * Each step is idempotent on the sweep's record: plan what a wallet should sweep, estimate and ask for gas, send the
 * sweep through the sender (stored before broadcast), wait for it, and record it in the ledger once confirmed.
 * Every step reads the database, the chain and the currencies; asking for gas also needs Temporal.
 */
export function createEvmCollectorActivities(deps: GasFundingDeps) {
  return {
    planSweeps: planSweeps.bind(null, deps),
    prepareSweep: prepareSweep.bind(null, deps),
    requestGasFunding: requestGasFunding.bind(null, deps),
    gasFundingState: gasFundingState.bind(null, deps),
    sendSweep: sendSweep.bind(null, deps),
    sweepConfirmed: sweepConfirmed.bind(null, deps),
    recordSweep: recordSweep.bind(null, deps),
  };
}
