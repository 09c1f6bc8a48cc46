/** The exchange's inventory per currency, which operators watch and fund (from and back to `equity:exchange`). */
import { EXCHANGE_INVENTORY } from '../../domain/fast-exchange/ledger.js';
import { balanceView, ledgerRefusal, moreThanAvailable } from '../../domain/ledger/engine.js';
import { balancesOf } from '../ledger/queries.js';
import type { TransferRecord } from '../ledger/journal.js';
import type { LedgerWriter } from '../ledger/writer.js';
import type { Db } from '../../platform/db/client.js';

export const EXCHANGE_EQUITY = 'equity:exchange';

export async function inventory(db: Db): Promise<Array<{ currency: string; balance: bigint }>> {
  return (await balancesOf(db, EXCHANGE_INVENTORY)).map((b) => ({ currency: b.currency, balance: balanceView(b).available }));
}

/** Moves `amount` into the inventory (negative: out of it, never below zero), once per operator's key. */
export async function fundInventory(
  ledger: LedgerWriter,
  change: { operatorId: string; idempotencyKey: string; currency: string; amount: bigint },
): Promise<{ record: TransferRecord; replayed: boolean }> {
  const into = change.amount > 0n;
  const outcome = await ledger.submit({
    transfers: [
      {
        kind: 'posted',
        key: `inventory:${change.operatorId}:${change.idempotencyKey}`,
        debit: into ? EXCHANGE_EQUITY : EXCHANGE_INVENTORY,
        credit: into ? EXCHANGE_INVENTORY : EXCHANGE_EQUITY,
        currency: change.currency,
        amount: into ? change.amount : -change.amount,
        metadata: { type: 'inventory_funding', operator_id: change.operatorId },
      },
    ],
  });
  if (!outcome.ok) throw ledgerRefusal(outcome.error, { funds: moreThanAvailable('amount', 'is more than the inventory holds') });
  return { record: outcome.transfers[0]!, replayed: outcome.replayed };
}
