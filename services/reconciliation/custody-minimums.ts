/**
 * Operators' expected minimums: what a custody account or one of its wallets must hold at least, checked by every
 * reconciliation. Only a target that can hold the currency is kept: any other would alert on every run.
 */
import type { Currency } from '../../domain/currencies.js';
import type { Db } from '../../platform/db/client.js';
import { requireCustodyTarget } from './custody-targets.js';
import { setCustodyMinimum } from './store.js';

export async function saveCustodyMinimum(
  db: Db,
  m: { target: string; currency: Currency; minimum: bigint; updatedBy: string },
): Promise<void> {
  await requireCustodyTarget(db, { field: 'target', name: m.target, wallets: true }, m.currency);
  await setCustodyMinimum(db, { target: m.target, currency: m.currency.code, minimum: m.minimum, updatedBy: m.updatedBy });
}
