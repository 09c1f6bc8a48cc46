/**
 * The merchant webhook a credited deposit publishes (`deposit.credited`), in the transaction that credits it. Users
 * without webhook endpoints (all but merchants who set one up) get nothing stored.
 */
import { formatAmount } from '../../domain/money.js';
import type { Tx } from '../../platform/db/client.js';
import { loadCurrencies } from '../currencies/catalog.js';
import { publishEvents } from '../webhooks/client.js';

/** What the event tells of a deposit (a Deposit has it; typed here so the store can call this without a cycle). */
interface CreditedDeposit {
  id: string;
  userId: string;
  currency: string;
  amount: bigint;
  chain: string;
  address: string;
  destinationTag: bigint | null;
  txHash: string;
}

export async function publishDepositsCredited(tx: Tx, deposits: CreditedDeposit[]): Promise<void> {
  if (deposits.length === 0) return;
  const scales = new Map((await loadCurrencies(tx)).map((c) => [c.code, c.scale]));
  await publishEvents(
    tx,
    deposits.map((d) => ({
      id: `deposit:${d.id}:credited`,
      merchantId: d.userId,
      type: 'deposit.credited' as const,
      data: {
        deposit_id: d.id,
        currency: d.currency,
        amount: formatAmount(d.amount, scales.get(d.currency)!),
        chain: d.chain,
        address: d.address,
        destination_tag: d.destinationTag?.toString() ?? null,
        tx_hash: d.txHash,
      },
    })),
  );
}
