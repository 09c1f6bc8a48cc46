/**
 * The ledger side of a withdrawal. At request time amount and fee are held (pending) from the user; when the chain
 * confirms, both holds are posted and the amount leaves hot custody; any other end voids the holds.
 */
import { hotCustodyAccount } from '../deposits/credit.js';
import { userAccountName, type CounterChange, type TransferGroup } from '../ledger/engine.js';

export const WITHDRAWAL_CLEARING = 'clearing:withdrawals';

export const withdrawalKeys = (id: string) => ({
  amountHold: `withdrawal:${id}:hold`,
  feeHold: `withdrawal:${id}:fee-hold`,
  amountPost: `withdrawal:${id}:post`,
  feePost: `withdrawal:${id}:fee-post`,
  payout: `withdrawal:${id}:payout`,
  amountVoid: `withdrawal:${id}:void`,
  feeVoid: `withdrawal:${id}:fee-void`,
});

export interface WithdrawalMoney {
  id: string;
  userId: string;
  currency: string;
  amount: bigint;
  fee: bigint;
}

export function holdGroup(w: WithdrawalMoney, counters: CounterChange[]): TransferGroup {
  const keys = withdrawalKeys(w.id);
  const user = userAccountName(w.userId);
  const metadata = { type: 'withdrawal', withdrawal_id: w.id };
  return {
    transfers: [
      {
        kind: 'pending',
        key: keys.amountHold,
        debit: user,
        credit: WITHDRAWAL_CLEARING,
        currency: w.currency,
        amount: w.amount,
        metadata,
      },
      ...(w.fee > 0n
        ? [
            {
              kind: 'pending' as const,
              key: keys.feeHold,
              debit: user,
              credit: `fees:${w.currency}`,
              currency: w.currency,
              amount: w.fee,
              metadata: { ...metadata, type: 'withdrawal_fee' },
            },
          ]
        : []),
    ],
    counters,
  };
}

/** Paid: post the holds and move the amount out of hot custody on the chain it was sent from. */
export function settleGroup(w: WithdrawalMoney, chain: string): TransferGroup {
  const keys = withdrawalKeys(w.id);
  return {
    transfers: [
      { kind: 'post', key: keys.amountPost, pendingKey: keys.amountHold },
      ...(w.fee > 0n ? [{ kind: 'post' as const, key: keys.feePost, pendingKey: keys.feeHold }] : []),
      {
        kind: 'posted',
        key: keys.payout,
        debit: WITHDRAWAL_CLEARING,
        credit: hotCustodyAccount(chain),
        currency: w.currency,
        amount: w.amount,
        metadata: { type: 'withdrawal_payout', withdrawal_id: w.id, chain },
      },
    ],
  };
}

/**
 * Not paid: void the holds and give back the limit usage. The counters are released in the same group, so a cancelled
 * withdrawal frees its part of today's limit exactly once.
 */
export function releaseGroup(w: WithdrawalMoney, counters: CounterChange[]): TransferGroup {
  const keys = withdrawalKeys(w.id);
  return {
    transfers: [
      { kind: 'void', key: keys.amountVoid, pendingKey: keys.amountHold },
      ...(w.fee > 0n ? [{ kind: 'void' as const, key: keys.feeVoid, pendingKey: keys.feeHold }] : []),
    ],
    counters: counters.map((c) => ({ key: c.key, add: -c.add })),
  };
}
