/** Which errors of @temporalio/client mean Temporal is unreachable (the API's 503), and which are the call's own fault. */
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isTemporalUnavailable } from '../../platform/temporal/unavailable.js';

/** A gRPC status error as @grpc/grpc-js makes it. */
const grpcError = (code: number) => Object.assign(new Error(`${code} status`), { code, details: '', metadata: {} });

describe('isTemporalUnavailable', () => {
  it('is true for UNAVAILABLE and DEADLINE_EXCEEDED, bare or wrapped by the client, and for an update RPC timed out', () => {
    expect(isTemporalUnavailable(grpcError(14))).toBe(true);
    expect(isTemporalUnavailable(new ServiceError('Failed to start Workflow', { cause: grpcError(14) }))).toBe(true);
    expect(isTemporalUnavailable(new ServiceError('Workflow Update failed', { cause: grpcError(4) }))).toBe(true);
    expect(isTemporalUnavailable(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out'))).toBe(true);
  });

  it('is false for a refusal of the call itself, and for errors that only look alike', () => {
    expect(isTemporalUnavailable(new ServiceError('Failed to start Workflow', { cause: grpcError(3) }))).toBe(false);
    expect(isTemporalUnavailable(new WorkflowNotFoundError('gone', 'withdrawal:1', undefined))).toBe(false);
    expect(isTemporalUnavailable(Object.assign(new Error('not gRPC'), { code: 14 }))).toBe(false);
    expect(isTemporalUnavailable(null)).toBe(false);
  });
});
