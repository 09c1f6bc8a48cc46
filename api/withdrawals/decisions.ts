/** Sending a decision to a withdrawal's workflow, and turning its refusals into problem+json answers. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { ErrorCode } from '../../domain/errors.js';
import { withdrawalWorkflowId } from '../../services/withdrawals/client.js';
import { ApiError } from '../http/problem.js';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

export async function updateWithdrawal<Ret, Arg>(
  client: Client,
  id: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<Ret> {
  try {
    return await client.workflow.getHandle(withdrawalWorkflowId(id)).executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new ApiError(ErrorCode.Conflict, 'this withdrawal is no longer in progress');
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type && KNOWN_CODES.has(cause.type)) {
        throw new ApiError(cause.type as ErrorCode, cause.message);
      }
      throw new ApiError(ErrorCode.Conflict, cause?.message ?? 'the withdrawal refused this');
    }
    // an update to a workflow that already completed is refused by the server
    if (error instanceof Error && /workflow execution already completed/i.test(error.message)) {
      throw new ApiError(ErrorCode.Conflict, 'this withdrawal has already ended');
    }
    throw error;
  }
}
