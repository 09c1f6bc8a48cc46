/** Deposit activities shared by every network's deposit workflow. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../../platform/db/client.js';
import { convertCreditedDeposit, type ConversionDeps } from '../../services/deposits/conversions.js';
import type { DepositCreditor } from '../../services/deposits/creditor.js';
import { depositById, dropDeposit, type Deposit } from '../../services/deposits/store.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { tellReleasedXrplDeposits } from '../../services/deposits/client.js';

/** A deposit as it travels in workflow payloads: amounts as strings. */
export interface DepositView {
  id: string;
  userId: string;
  currency: string;
  amount: string;
  chain: string;
  address: string;
  status: Deposit['status'];
  /** The invoice it pays (credited to the invoice, not to its merchant); absent in payloads from before it was sent. */
  invoiceId?: string | null;
}

const view = (d: Deposit): DepositView => ({
  id: d.id,
  userId: d.userId,
  currency: d.currency,
  amount: d.amount.toString(),
  chain: d.chain,
  address: d.address,
  status: d.status,
  invoiceId: d.invoiceId,
});

/** What crediting needs: the creditor batches concurrent credits into one SQL transaction. */
export interface CreditDeps {
  sql: Sql;
  log: Logger;
  creditor: DepositCreditor;
  /** Where the workflows of held XRPL deposits a credit released are told so. */
  temporal: TemporalTarget;
  /** Converts a credited deposit when its user asked for it (the last step of crediting); tests may leave it out. */
  conversion?: ConversionDeps;
}

/**
 * Credits the user once (repeating it is harmless), and tells the workflows of the held XRPL deposits it released; a
 * refusal (dropped, unknown) fails the activity for good.
 */
export async function creditOnce(deps: CreditDeps, depositId: string): Promise<DepositView> {
  const result = await deps.creditor.credit(depositId);
  if (!result.ok) throw ApplicationFailure.nonRetryable(result.error.message, result.error.code);
  deps.log.info(
    {
      deposit: depositId,
      user: result.deposit.userId,
      currency: result.deposit.currency,
      amount: result.deposit.amount.toString(),
    },
    result.deposit.status === 'held' ? `deposit held (${result.deposit.holdReason})` : 'deposit credited',
  );
  if (deps.conversion) await convertCreditedDeposit(deps.conversion, result.deposit);
  // their runs ended held; asked again, it tells them again, and each new run only reads its credited row
  await tellReleasedXrplDeposits(deps, result.deposit);
  return view(result.deposit);
}

export function createDepositActivities(deps: CreditDeps) {
  return {
    async loadDeposit(depositId: string): Promise<DepositView> {
      const deposit = await depositById(deps.sql, depositId);
      if (!deposit) throw ApplicationFailure.nonRetryable(`no deposit ${depositId}`, 'not_found');
      return view(deposit);
    },

    /** Credits the user once; repeating it is harmless. */
    creditDeposit: (depositId: string) => creditOnce(deps, depositId),

    async dropDeposit(depositId: string): Promise<DepositView> {
      const deposit = await dropDeposit(deps.sql, depositId);
      if (!deposit) throw ApplicationFailure.nonRetryable(`no deposit ${depositId}`, 'not_found');
      if (deposit.status === 'dropped') deps.log.warn({ deposit: depositId }, 'deposit dropped (no longer on chain)');
      return view(deposit);
    },
  };
}
