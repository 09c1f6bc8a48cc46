/**
 * An Update to a market or trigger workflow that cannot reach Temporal is passed on as it is (the API's 503 to retry),
 * not turned into the refusal a workflow's validator gives (a 409 `conflict` or `order_not_open`, which says not to).
 */
import { ServiceError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.js';
import { isTemporalUnavailable } from '../../platform/temporal/unavailable.js';
import { cancelTriggerOrder, haltMarket } from '../../services/exchange/client.js';

const unreachable = () =>
  new ServiceError('Workflow Update failed', {
    cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: '', metadata: {} }),
  });

/** A client whose one workflow answers describe and fails every Update with `error`. */
function clientFailingUpdates(error: Error): Pick<Client, 'workflow'> {
  const handle = { describe: async () => ({}), executeUpdate: () => Promise.reject(error) };
  return { workflow: { getHandle: () => handle } } as unknown as Pick<Client, 'workflow'>;
}

describe('exchange updates with Temporal unreachable', () => {
  it('pass the unreachable error on, for a trigger cancel and a market halt alike', async () => {
    const temporal = { client: clientFailingUpdates(unreachable()) as Client };
    await expect(cancelTriggerOrder(temporal, '1', 'user-1')).rejects.toSatisfy(isTemporalUnavailable);
    await expect(haltMarket(temporal, 'BTC-USDT', 'maintenance', 'operator-1')).rejects.toSatisfy(isTemporalUnavailable);
  });

  it('still answer a refusal of the workflow as a domain error', async () => {
    const refused = new WorkflowUpdateFailedError('refused', ApplicationFailure.create({ message: 'the trigger fired' }));
    const temporal = { client: clientFailingUpdates(refused) as Client };
    await expect(cancelTriggerOrder(temporal, '1', 'user-1')).rejects.toBeInstanceOf(DomainError);
  });
});
