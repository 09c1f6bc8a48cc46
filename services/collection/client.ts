/** Start-up of EVM collection on the Temporal side: the chain's gas keeper runs from the moment a worker does. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { gasKeeperWorkflowId } from '../../workflows/collection/gas-keeper/messages.js';
import { gasKeeperWorkflow } from '../../workflows/collection/gas-keeper/workflow.js';
import { Chain, SluiceKind } from '../../platform/temporal/search-attributes.js';
import type { EvmContext } from '../../chains/evm/context.js';
import type { Logger } from '../../platform/log.js';

export async function ensureGasKeeper(client: Client, taskQueue: string, evm: EvmContext, log: Logger): Promise<void> {
  const workflowId = gasKeeperWorkflowId(evm.chain);
  try {
    await client.workflow.start(gasKeeperWorkflow, {
      workflowId,
      taskQueue,
      args: [{ chain: evm.chain, settings: evm.gasKeeperSettings }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: SluiceKind, value: 'gas-keeper' },
        { key: Chain, value: evm.chain },
      ],
    });
    log.info({ workflowId, address: evm.gasKeeper.address }, 'gas keeper running');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
