/**
 * The activity options workflows schedule activities with, by name: a timeout and a retry policy that belong together,
 * so a `proxyActivities` call says what kind of work it does. Workflow-safe.
 */
import { ActivityCancellationType } from '@temporalio/common';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

export const retryPolicies = {
  /** Database steps (load, credit, hold, settle, notify): quick, and retried for as long as the database is away. */
  bookkeeping: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  },
  /** The EVM workflows' database steps: as `bookkeeping`, but retried at least every 30 seconds. */
  evmBookkeeping: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  },
  /**
   * The EVM workflows' database steps run as local activities (in the worker that runs the workflow task, with no
   * round trip through the task queue): only for idempotent steps, since a crash before the result is recorded runs
   * them again. Retried as `evmBookkeeping`; a retry due later than `localRetryThreshold` waits on a workflow timer.
   */
  evmLocalBookkeeping: {
    startToCloseTimeout: '30 seconds',
    localRetryThreshold: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  } satisfies LocalActivityOptions,
  /** A collector's steps on a sweep (plan, fund, send, check, record): calls to the EVM node and the database. */
  sweepStep: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  },
  /** `bookkeeping` as a local activity, for idempotent database steps (an invoice's review and its recorded states). */
  localBookkeeping: {
    startToCloseTimeout: '30 seconds',
    localRetryThreshold: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  } satisfies LocalActivityOptions,
  /** `sweepStep` as a local activity (the collector's steps are idempotent on the sweep's record). */
  localSweepStep: {
    startToCloseTimeout: '1 minute',
    localRetryThreshold: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  } satisfies LocalActivityOptions,
  /**
   * One tick of a chain's sweeper: moves every open sweep as far as it goes without waiting, many wallets at once,
   * heartbeating as wallets finish; a sweep that fails is reported and tried again by the next tick, not by a retry.
   */
  sweepTick: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  },
  /** One round of the gas keeper: reads balances and funds wallets, heartbeating between them. */
  gasKeeperTick: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  },
  /**
   * One page of an XRPL account's history. The XRPL server may be unreachable for a while: keep trying, the failure
   * shows on the workflow's page.
   */
  xrplBackfillPage: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '2 minutes' },
  },
  /** One page of a bet event's settlement: many bets in one transaction, heartbeating as it goes. */
  settlementPage: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  },
  /**
   * One page of telling the held XRPL deposits a credit released (a few seconds), heartbeating after each tell, so a
   * dead worker's page moves on within the heartbeat timeout; retried until Temporal takes the tells.
   */
  releasedDepositsPage: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  },
  /** A payout through a withdrawal provider: a few tries with backoff before the next provider is asked. */
  providerSend: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
  },
  /** The ledger audit's recomputation and its record: long, and given up after ten tries so the run reports a failure. */
  ledgerAudit: {
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
  },
  /** One rates refresh: exchanges answer in seconds or not at all; the schedule's next run is the retry after three. */
  ratesRefresh: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
  },
  /** A market's checkpoint or audit: replays its journal, which grows; given up after ten tries so the run goes on. */
  marketReplay: {
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
  },
  /**
   * One webhook attempt (a POST bounded to 10 s, then its record), as a local activity. The merchant's answers are
   * retried on the delivery's own schedule, by the workflow; these retries are for our side (the database away).
   */
  webhookAttempt: {
    startToCloseTimeout: '1 minute',
    localRetryThreshold: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  } satisfies LocalActivityOptions,
  /** Writing a report's file: long for a big period, heartbeating every batch; given up after five tries (marked failed). */
  reportFile: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
  },
  /**
   * One send of a notification (mail, Telegram, Slack): retried with backoff. The delivery workflow takes the attempts
   * and first interval from its input (NOTIFICATION_MAX_ATTEMPTS, NOTIFICATION_RETRY_INITIAL_MS).
   */
  notificationSend: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
  },
  /**
   * One page of a broadcast: paced sends, heartbeating after each, so a dead worker's page moves to another within
   * the heartbeat timeout (its sends already made are not repeated: each is claimed in the delivery log first).
   */
  broadcastPage: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '10 seconds',
    // a cancelled broadcast ends only once its page has stopped sending (unset, core would not wait: TRY_CANCEL)
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  },
} satisfies Record<string, ActivityOptions | LocalActivityOptions>;
