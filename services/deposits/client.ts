/**
 * deposits' surface for other features. The one way into the deposit workflows: the listeners signal-with-start a
 * deposit's workflow with what they saw; a deposit's workflow ID is its business key, so a repeated signal reaches
 * the same run. And the deposit records other features read or add to (XRPL tracking, collection).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { isEvmChain, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { refuseOwnAccount } from '../../domain/users-auth/own-account.js';
import { wakeSweeper } from '../collection/client.js';
import { creditHeldDeposit, depositById, type Deposit } from './store.js';
import { tellUntoldCredits } from './untold-credits.js';
import { signalInvoicePayment } from '../invoices/client.js';
import {
  depositObservedSignal,
  evmDepositSearchAttributes,
  type DepositObserved,
  type EvmDepositInput,
  evmDepositWorkflowType,
  type EvmDepositWorkflow,
} from '../../workflows/deposits/evm/messages.js';
import {
  xrplDepositSearchAttributes,
  xrplDepositWorkflowId,
  xrplPaymentValidatedSignal,
  type XrplPaymentValidated,
  xrplDepositWorkflowType,
  type XrplDepositWorkflow,
} from '../../workflows/deposits/xrpl/messages.js';

/** XRPL tracking records the deposits among the payments it stores, matching destination tags to their users. */
export { recordDeposit } from './store.js';
export { tagOwners } from './xrpl-destination-tags.js';
export { invoiceTagOwners } from './invoice-destinations.js';
/** Operators' console lists deposits and charts their volume. */
export { depositVolumeByDay, listDeposits, pendingDepositCount, type DepositFilter } from './ops-reads.js';
export { confirmationsOf } from './evm-observations.js';
export type { Deposit } from './store.js';
/** Invoices: where an invoice is paid on chain, and the deposits made there (credited to the invoice's account). */
export { depositsOfInvoice, recordedDepositsOfInvoice, type InvoiceDeposit } from './invoice-deposits.js';
export type { InvoiceOwner } from './invoice-destinations.js';
export type { DepositAddress, DepositAddressProvider } from './addresses.js';
/** Collection finds whose deposit address a wallet is; reconciliation reads every deposit wallet. */
export { depositAddressesByAddress, depositWallets } from './evm-addresses-store.js';
/** The newest block the EVM listener has recorded: reads of the chain there agree with what Sluice knows of it. */
export { checkpointOf } from './evm-observations.js';

/** Starts an EVM deposit's workflow on first sight; afterwards tells it the new confirmation count or the drop. */
export async function signalEvmDeposit(
  temporal: TemporalTarget,
  workflowId: string,
  input: EvmDepositInput,
  observed: DepositObserved,
): Promise<void> {
  await temporal.client.workflow.signalWithStart<EvmDepositWorkflow, [DepositObserved]>(evmDepositWorkflowType, {
    workflowId,
    taskQueue: temporal.taskQueue,
    args: [input],
    signal: depositObservedSignal,
    signalArgs: [observed],
    typedSearchAttributes: evmDepositSearchAttributes(input),
  });
}

export interface XrplDepositToSignal {
  depositId: string;
  hash: string;
  ledgerIndex: number;
  userId: string;
  /** A payment to an invoice's tag: the invoice hears of it too. */
  invoiceId?: string;
}

/**
 * Tells an XRPL deposit's workflow its payment is validated, starting it if needed. A deposit whose workflow already
 * completed is done (only a failed one may run again).
 */
export async function signalXrplDeposit(temporal: TemporalTarget, deposit: XrplDepositToSignal): Promise<void> {
  try {
    await temporal.client.workflow.signalWithStart<XrplDepositWorkflow, [XrplPaymentValidated]>(xrplDepositWorkflowType, {
      workflowId: xrplDepositWorkflowId(deposit.hash),
      taskQueue: temporal.taskQueue,
      args: [{ depositId: deposit.depositId, hash: deposit.hash }],
      signal: xrplPaymentValidatedSignal,
      signalArgs: [{ hash: deposit.hash, ledgerIndex: deposit.ledgerIndex }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: xrplDepositSearchAttributes(deposit.userId),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  if (deposit.invoiceId) await signalInvoicePayment(temporal, deposit.invoiceId);
}

/**
 * An operator credits a held deposit as it is, less the fee on its amount (the ops API and the console): recorded
 * with who did it; a deposit that is not held is a conflict. An EVM deposit's wallet is handed to the chain's sweeper,
 * as the listener's credit hands it, so what was held is swept too; an XRPL deposit's workflow is told (queued with
 * the credit: one that fails now is logged, and the worker's sweep tells it).
 */
export async function creditHeldDepositByOperator(
  deps: { sql: Sql; log: Logger; temporal: TemporalTarget },
  operatorId: string,
  depositId: string,
): Promise<Deposit> {
  const deposit = await depositById(deps.sql, depositId);
  if (deposit) refuseOwnAccount(operatorId, deposit.userId, 'id', 'crediting a held deposit');
  const result = await creditHeldDeposit(deps.sql, depositId, operatorId);
  if (!result.ok) {
    const { code, message } = result.error;
    throw new DomainError(code === 'not_found' ? ErrorCode.NotFound : ErrorCode.Conflict, message);
  }
  deps.log.info({ operator: operatorId, deposit: depositId }, 'held deposit credited by an operator');
  if (isEvmChain(result.deposit.chain)) await wakeSweeper(deps.temporal, result.deposit.chain, [result.deposit.address]);
  if (result.deposit.chain === XRPL_CHAIN) {
    await tellUntoldCredits(deps, { depositId }).catch((error) =>
      deps.log.warn({ err: error, deposit: depositId }, "could not tell the XRPL deposit's workflow of its credit now"),
    );
  }
  return result.deposit;
}
