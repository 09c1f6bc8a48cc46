/**
 * Market `market:<pair>`: owns a pair engine's lifecycle, not its order flow (orders never pass through here; see
 * ARCHITECTURE.md, "Exchange"). Operators halt and resume it by Update (validated: a halt needs a reason, a resume a
 * halted market); on a timer it checkpoints the journal into a snapshot and audits the market (the live engine's
 * hash against the journal's, held funds against the escrow), telling operators when the audit fails.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createExchangeActivities } from '../../../activities/exchange/activities.js';
import type { createNotificationActivities } from '../../../activities/notifications/activities.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { runIsLongSince } from '../../../platform/temporal/run-length.js';
import {
  DEFAULT_CHECKPOINT_EVERY_MS,
  haltMarketUpdate,
  marketStateQuery,
  marketStatus,
  resumeMarketUpdate,
  type MarketInput,
  type MarketWorkflowState,
} from './messages.js';

const { setMarketHalted } = proxyActivities<ReturnType<typeof createExchangeActivities>>(retryPolicies.bookkeeping);
const { checkpointMarket, auditMarket } = proxyActivities<ReturnType<typeof createExchangeActivities>>(
  retryPolicies.marketReplay,
);
const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.bookkeeping);

export async function marketWorkflow(input: MarketInput): Promise<never> {
  const { pair } = input;
  const every = input.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS;
  let state: MarketWorkflowState = input.state ?? { pair, halted: null, lastCheckpoint: null, lastAudit: null };
  const changeTo = (next: MarketWorkflowState) => {
    state = next;
    upsertSearchAttributes([{ key: SluiceStatus, value: marketStatus(state) }]);
    return state;
  };
  setHandler(marketStateQuery, () => state);
  setHandler(
    haltMarketUpdate,
    async ({ reason, by }) => {
      await setMarketHalted({ pair, reason });
      return changeTo({ ...state, halted: { reason, by } });
    },
    {
      validator: ({ reason }) => {
        if (typeof reason !== 'string' || reason.trim().length === 0) throw new Error('a halt needs a reason');
        if (state.halted) throw new Error(`${pair} is already halted: ${state.halted.reason}`);
      },
    },
  );
  setHandler(
    resumeMarketUpdate,
    async (_request: { by: string }) => {
      await setMarketHalted({ pair, reason: null });
      return changeTo({ ...state, halted: null });
    },
    {
      validator: (_request: { by: string }) => {
        if (!state.halted) throw new Error(`${pair} is not halted`);
      },
    },
  );
  upsertSearchAttributes([{ key: SluiceStatus, value: marketStatus(state) }]);

  for (;;) {
    await sleep(every);
    const lastCheckpoint = await checkpointMarket({ pair });
    const lastAudit = await auditMarket({ pair });
    state = { ...state, lastCheckpoint, lastAudit };
    if (!lastAudit.ok) {
      await recordNotification({
        key: `market-audit:${pair}:${lastAudit.engine?.seq ?? 0}:${lastAudit.heldMismatches.join(',')}`,
        userId: null,
        kind: 'market_audit_failed',
        severity: 'critical',
        title: `The ${pair} market audit failed`,
        body: { ...lastAudit },
      });
    }
    // between checkpoints, once a halt or resume under way is recorded: its state goes on in the next run
    if (runIsLongSince('market-continues-as-new-bounded', input.runHistoryLimit)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof marketWorkflow>({ ...input, state });
    }
  }
}
