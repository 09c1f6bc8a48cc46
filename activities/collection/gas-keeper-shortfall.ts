/**
 * The gas keeper's alerts about gas that token sweeps wait for and it does not send, so their deposits stay
 * uncollected. Short of the fundings it owes while above its minimum balance (so `gas_keeper_low` says nothing): counted
 * only with none of its own sends in flight (during a burst those hold back what will be available once mined), and
 * alerted once per shortfall: the alert is keyed by the oldest sweep it cannot fund, which stays the oldest until paid.
 */
import type { Db } from '../../platform/db/client.js';
import type { Currency } from '../../domain/currencies.js';
import { formatAmount } from '../../domain/money.js';
import { raiseAlert } from '../../services/notifications/client.js';
import type { FundingRequest } from '../../workflows/collection/gas-keeper/messages.js';

export interface KeeperShortfall {
  chain: string;
  address: string;
  /** What the keeper can still spend, in wei, after the fundings it sent this tick. */
  available: bigint;
  /** The sweeps' fundings it could not send, oldest first, each with the most it costs (value and gas). */
  unpaid: Array<{ request: FundingRequest; cost: bigint }>;
  /** The chain's native currency, to show wei in (undefined: shown in wei). */
  native: Currency | undefined;
}

export async function alertKeeperShortfall(db: Db, short: KeeperShortfall): Promise<void> {
  const [oldest] = short.unpaid;
  if (!oldest) return;
  const owed = short.unpaid.reduce((sum, { cost }) => sum + cost, 0n);
  const inNative = (wei: bigint) => (short.native ? formatAmount(wei, short.native.scale) : wei.toString());
  await raiseAlert(db, {
    eventId: `gas-keeper:${short.chain}:short:${oldest.request.requestId}`,
    type: 'other',
    kind: 'gas_keeper_short',
    severity: 'critical',
    title: `Gas keeper on ${short.chain} cannot pay the gas ${short.unpaid.length} sweep(s) wait for: top up ${short.address}`,
    data: {
      chain: short.chain,
      address: short.address,
      sweeps: short.unpaid.length,
      oldest: oldest.request.requestId,
      owed: inNative(owed),
      lacking: inNative(owed - short.available),
      gas_currency: short.native?.code ?? 'wei',
    },
  });
}

/**
 * Token sweeps waiting for more gas than the keeper sends at once (`GAS_KEEPER_MAX_FUNDING`): priced in a fee spike, or
 * a token whose transfer costs that much. The keeper never funds them, so their deposits stay uncollected; only a log
 * line said so, each tick. Alerted once per sweep: an operator raises the limit, or funds the wallet.
 */
export async function alertFundingsAboveLimit(
  db: Db,
  above: { chain: string; max: bigint; requests: FundingRequest[]; native: Currency | undefined },
): Promise<void> {
  const inNative = (wei: bigint) => (above.native ? formatAmount(wei, above.native.scale) : wei.toString());
  for (const request of above.requests) {
    await raiseAlert(db, {
      eventId: `gas-keeper:${above.chain}:above-limit:${request.requestId}`,
      type: 'other',
      kind: 'gas_funding_above_limit',
      severity: 'critical',
      title: `A sweep on ${above.chain} waits for more gas than the gas keeper sends at once (GAS_KEEPER_MAX_FUNDING): ${request.to} is not swept`,
      data: {
        chain: above.chain,
        address: request.to,
        request: request.requestId,
        amount: inNative(BigInt(request.amount)),
        limit: inNative(above.max),
        gas_currency: above.native?.code ?? 'wei',
      },
    });
  }
}
