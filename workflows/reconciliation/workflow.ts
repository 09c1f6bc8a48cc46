/**
 * Reconciliation of custody with the chains: first book what the chains did that no flow booked (gas of payouts,
 * XRPL fees, top-ups), then compare every custody account with its wallets, record the result, and alert operators
 * on unexplained drift above its threshold and on wallets below their expected minimum. Run by a Temporal Schedule
 * and on demand; a run that fails alerts operators (failed-run-alert.ts).
 */
import { proxyActivities, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { createNotificationActivities } from '../../activities/notifications/activities.js';
import type { createReconciliationActivities } from '../../activities/reconciliation/activities.js';
import { inMinorUnits } from '../../domain/notifications/amounts.js';
import type { DriftLine } from '../../domain/reconciliation/drift.js';
import { isPatched } from '../../platform/temporal/versions.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { alertingIfFailed } from '../failed-run-alert.js';
import type { ReconciliationInput, ReconciliationResult } from './messages.js';

const { bookChainEvents, compareCustody, recordReconciliation } = proxyActivities<
  ReturnType<typeof createReconciliationActivities>
>(retryPolicies.ledgerAudit);
const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.bookkeeping);

export async function reconciliationWorkflow(
  input: ReconciliationInput = { trigger: 'schedule' },
): Promise<ReconciliationResult> {
  const check = {
    kind: 'reconciliation_failed',
    name: 'The reconciliation',
    changeId: 'reconciliation-failure-alerted',
  } as const;
  return alertingIfFailed({ ...check, trigger: input.trigger }, () => reconcile(input));
}

async function reconcile(input: ReconciliationInput): Promise<ReconciliationResult> {
  const startedAt = new Date().toISOString();
  const id = input.id ?? uuid4();
  const booked = await bookChainEvents();
  const report = await compareCustody();
  const result: ReconciliationResult = { id, startedAt, finishedAt: new Date().toISOString(), booked, ...report };
  const { workflowId } = workflowInfo();

  const drifting = report.lines.filter((l) => l.alert);
  if (drifting.length > 0) {
    if (isPatched('reconciliation-drift-alert-per-line')) {
      await Promise.all(drifting.map((line) => recordNotification(driftAlert(workflowId, id, line))));
    } else {
      // a run that passed here before: one alert with a `drifts` list, which the templates cannot render
      await recordNotification({
        key: `${workflowId}:${id}:drift`,
        userId: null,
        kind: 'reconciliation_drift',
        severity: 'critical',
        title: `Reconciliation found unexplained drift in ${drifting.map((l) => `${l.account} ${l.currency}`).join(', ')}`,
        body: {
          reconciliation_id: id,
          drifts: drifting.map((l) => ({
            account: l.account,
            currency: l.currency,
            unexplained: inMinorUnits(l.unexplained, l.currency),
          })),
        },
      });
    }
  }
  if (report.belowMinimum.length > 0) {
    await recordNotification({
      key: `${workflowId}:${id}:below-minimum`,
      userId: null,
      kind: 'custody_below_minimum',
      severity: 'warning',
      title: `Below their expected minimum: ${report.belowMinimum.map((b) => `${b.target} ${b.currency}`).join(', ')}`,
      body: {
        reconciliation_id: id,
        below: report.belowMinimum.map((b) => ({
          ...b,
          minimum: inMinorUnits(b.minimum, b.currency),
          balance: inMinorUnits(b.balance, b.currency),
        })),
      },
    });
  }
  // recorded last: a result that shows is one whose alerts were raised
  await recordReconciliation({ ...result, workflowId, trigger: input.trigger, requestedBy: input.requestedBy });
  upsertSearchAttributes([{ key: SluiceStatus, value: report.ok ? 'balanced' : 'drift' }]);
  return result;
}

/**
 * One drifting account and currency's alert, keyed by the run and the line so that a retried activity records it once:
 * the drift left unexplained and the threshold it passed, named in minor units for the recording activity to write.
 */
function driftAlert(workflowId: string, reconciliationId: string, line: DriftLine): Parameters<typeof recordNotification>[0] {
  return {
    key: `${workflowId}:${reconciliationId}:drift:${line.account}:${line.currency}`,
    userId: null,
    kind: 'reconciliation_drift',
    severity: 'critical',
    title: `Unexplained ${line.currency} drift on ${line.account}`,
    body: {
      reconciliation_id: reconciliationId,
      account: line.account,
      currency: line.currency,
      drift: inMinorUnits(line.unexplained, line.currency),
      // a line computed before the threshold was carried (its run straddling a deploy) has none to show
      threshold: line.threshold === undefined ? null : inMinorUnits(line.threshold, line.currency),
    },
  };
}
