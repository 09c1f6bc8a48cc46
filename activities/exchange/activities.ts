/** The market workflow's side effects: halting (a flag the API reads), checkpoints and audits of the journal. */
import type { Sql } from '../../platform/db/client.js';
import { auditMarket, checkpointMarket, setMarketHalted } from '../../services/exchange/checkpoint.js';

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
  };
}
