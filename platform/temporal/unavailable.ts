/**
 * Whether an error means Temporal cannot be reached right now (down, restarting, the network cut), as opposed to a
 * refusal of the call itself: the API answers those with 503 and a Retry-After instead of a 500.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** gRPC's UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the server not reached, or not answering in time. */
const UNREACHED = new Set<number>([14, 4]);

/** A gRPC status error: a numeric code beside the server's metadata (@grpc/grpc-js's ServiceError). */
function isUnreachedStatus(error: unknown): boolean {
  const e = error as { code?: unknown; metadata?: unknown } | null;
  return typeof e?.code === 'number' && e.metadata !== undefined && UNREACHED.has(e.code);
}

export function isTemporalUnavailable(error: unknown): boolean {
  // the client wraps the gRPC error in its own (ServiceError, WorkflowUpdateFailedError's kin) as `cause`
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isUnreachedStatus(e)) return true;
  }
  return false;
}
