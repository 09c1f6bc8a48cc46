/**
 * The exchange workflows' side effects: the market's halt flag (the API reads it), checkpoints and audits of the
 * journal; a trigger's cancellation (its hold released) and its stored state.
 */
import type { Sql } from '../../platform/db/client.js';
import { auditMarket, checkpointMarket, setMarketHalted } from '../../services/exchange/checkpoint.js';
import { cancelTrigger, triggerState } from '../../services/exchange/triggers-store.js';

export function createExchangeActivities(deps: { sql: Sql }) {
  return {
    async setMarketHalted(input: { pair: string; reason: string | null }): Promise<void> {
      await setMarketHalted(deps.sql, input.pair, input.reason);
    },
    async checkpointMarket(input: { pair: string }) {
      return checkpointMarket(deps.sql, input.pair);
    },
    async auditMarket(input: { pair: string }) {
      return auditMarket(deps.sql, input.pair);
    },
    /** `by` is absent in histories from before it was passed. */
    async cancelTriggerOrder(input: { triggerId: string; by?: string }) {
      return cancelTrigger(deps.sql, input.triggerId, input.by ?? null);
    },
    async loadTriggerState(input: { triggerId: string }) {
      return triggerState(deps.sql, input.triggerId);
    },
  };
}
