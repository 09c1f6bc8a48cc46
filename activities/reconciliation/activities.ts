/** Reconciliation activities: book what the chains did, compare custody with the chains, record the result. */
import type { JsonRpcProvider } from 'ethers';
import {
  belowMinimums,
  classifyDrift,
  reconciliationReport,
  type ReconciliationReport,
} from '../../domain/reconciliation/drift.js';
import { parseAmount } from '../../domain/money.js';
import type { XrplConnection } from '../../chains/xrpl/connection.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { bookChainEvents } from '../../services/reconciliation/booking.js';
import { custodyPositions, evmReadsOf, type EvmReadDeps } from '../../services/reconciliation/positions.js';
import { custodyMinimums, insertReconciliation, type ReconciliationRecord } from '../../services/reconciliation/store.js';
import type { BookedChainEvents } from '../../workflows/reconciliation/messages.js';

export interface ReconciliationActivityDeps {
  sql: Sql;
  log: Logger;
  currencies: CurrencyCatalog;
  evm: { chain: string; provider: JsonRpcProvider; confirmations: number } | null;
  xrpl: XrplConnection | null;
  /** Per currency code, a decimal in its units (RECONCILIATION_DRIFT_THRESHOLDS); unlisted: zero. */
  thresholds: Map<string, string>;
}

export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  /** The EVM network's native currency and tokens, enabled or not. */
  async function evmReads(): Promise<EvmReadDeps | null> {
    return deps.evm && evmReadsOf(deps.evm.chain, deps.evm.provider, await deps.currencies.all());
  }

  async function threshold(currency: string): Promise<bigint> {
    const scale = (await deps.currencies.get(currency))?.scale ?? 0;
    const parsed = parseAmount(deps.thresholds.get(currency) ?? '0', scale, { allowZero: true });
    return parsed.ok ? parsed.value : 0n;
  }

  return {
    async bookChainEvents(): Promise<BookedChainEvents> {
      const evm = await evmReads();
      const booked = await bookChainEvents(
        deps.sql,
        evm && deps.evm ? { chain: evm.chain, nativeCurrency: evm.nativeCurrency, confirmations: deps.evm.confirmations } : null,
      );
      if (booked.networkFees + booked.topUps > 0) deps.log.info(booked, 'booked chain events');
      return booked;
    },

    async compareCustody(): Promise<ReconciliationReport> {
      const { positions, holdings } = await custodyPositions(deps.sql, await evmReads(), deps.xrpl);
      const lines = await Promise.all(positions.map(async (p) => classifyDrift(p, await threshold(p.currency))));
      return reconciliationReport(lines, belowMinimums(await custodyMinimums(deps.sql), holdings));
    },

    async recordReconciliation(record: ReconciliationRecord): Promise<void> {
      await insertReconciliation(deps.sql, record);
      if (!record.ok) {
        deps.log.error(
          { reconciliation: record.id, drifts: record.lines.filter((l) => l.alert), belowMinimum: record.belowMinimum },
          'reconciliation found drift',
        );
      }
    },
  };
}
