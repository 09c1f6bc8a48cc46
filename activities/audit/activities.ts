/** Ledger audit activities: the recomputation and the record operators list at GET /v1/ops/audits. */
import type { Sql } from '../../platform/db/client.js';
import { recomputeLedger } from '../../services/audit/recompute.js';
import { insertAudit, type AuditRecordInput } from '../../services/audit/store.js';
import type { Logger } from '../../platform/log.js';
import { raiseAlert } from '../../services/notifications/client.js';

export function createAuditActivities(deps: { sql: Sql; log: Logger }) {
  return {
    recomputeLedger: () => recomputeLedger(deps.sql),

    async recordAudit(input: AuditRecordInput): Promise<void> {
      await insertAudit(deps.sql, input);
      if (!input.ok) {
        const currencies = input.currencies.filter((c) => !c.balanced).map((c) => c.currency);
        await raiseAlert(deps.sql, {
          eventId: `audit:${input.id}:drift`,
          type: 'audit_drift',
          severity: 'critical',
          title: 'The ledger audit found drift',
          data: { audit_id: input.id, drifts: input.drifts.length, currencies: currencies.join(', ') || 'none' },
        });
        deps.log.error(
          { audit: input.id, drifts: input.drifts.length, currencies: input.currencies.filter((c) => !c.balanced) },
          'ledger audit found drift',
        );
      }
    },
  };
}
