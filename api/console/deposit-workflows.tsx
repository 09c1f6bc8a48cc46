/**
 * Where an operator follows a deposit in the Temporal UI. An XRPL deposit is its workflow. An EVM deposit is credited
 * by its listener and gets a workflow of its own only when something is left to do (a conversion, a drop, a credit the
 * ledger refused); the chain's sweeper, which sweeps its wallet, is what always runs.
 */
import { isEvmChain } from '../../domain/deposits/credit.js';
import type { Deposit } from '../../services/deposits/client.js';
import { sweeperWorkflowId } from '../../workflows/collection/sweeper/messages.js';
import type { ConsoleSettings } from '../context.js';
import { TemporalLink } from './temporal-ui.js';

export function DepositWorkflowLinks(props: {
  ui: ConsoleSettings['temporalUi'];
  deposit: Pick<Deposit, 'chain' | 'address' | 'workflowId'>;
}) {
  const { ui, deposit } = props;
  if (!isEvmChain(deposit.chain)) return <TemporalLink ui={ui} attributes={{ WorkflowId: deposit.workflowId }} label="Deposit" />;
  return (
    <>
      <TemporalLink ui={ui} attributes={{ WorkflowId: sweeperWorkflowId(deposit.chain) }} label="Sweeper" />{' '}
      <TemporalLink ui={ui} attributes={{ WorkflowId: deposit.workflowId }} label="Deposit (conversions, drops)" />
    </>
  );
}
