/** Deposit activities shared by every network's deposit workflow. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Sql } from '../../platform/db/client.js';
import { convertCreditedDeposit, type ConversionDeps } from '../../services/deposits/conversions.js';
import type { DepositCreditor } from '../../services/deposits/creditor.js';
import { depositById, dropDeposit, type Deposit } from '../../services/deposits/store.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { tellUntoldCredits, UNTOLD_PAGE } from '../../services/deposits/untold-credits.js';

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
  /** From the credit that released held deposits (only then): their workflows are to be told (`tellReleasedDeposits`). */
  released?: number;
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
  /** Where the workflows of held XRPL deposits a credit released are told so (`tellReleasedDeposits`). */
  temporal: TemporalTarget;
  /** Converts a credited deposit when its user asked for it (the last step of crediting); tests may leave it out. */
  conversion?: ConversionDeps;
}

/**
 * Credits the user once (repeating it is harmless); a refusal (dropped, unknown) fails the activity for good. The held
 * XRPL deposits it released are queued with the credit, for `tellReleasedDeposits`.
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
  const credited = view(result.deposit);
  if (result.released) credited.released = result.released;
  return credited;
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

    /**
     * Tells one page of the held XRPL deposits this deposit's credit released that they were credited, heartbeating
     * after each; answers whether more may be left. Told ones leave the queue with their page, so a retry goes on from
     * there, not from the first.
     */
    async tellReleasedDeposits(depositId: string): Promise<boolean> {
      const told = await tellUntoldCredits(deps, { releasedBy: depositId }, () => Context.current().heartbeat());
      return told === UNTOLD_PAGE;
    },

    async dropDeposit(depositId: string): Promise<DepositView> {
      const deposit = await dropDeposit(deps.sql, depositId);
      if (!deposit) throw ApplicationFailure.nonRetryable(`no deposit ${depositId}`, 'not_found');
      if (deposit.status === 'dropped') deps.log.warn({ deposit: depositId }, 'deposit dropped (no longer on chain)');
      return view(deposit);
    },
  };
}
