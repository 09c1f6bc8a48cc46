/**
 * Every `patched()` change ID the workflows branch on, in one place, so the versions in flight can be read at a glance.
 * Workflow-safe.
 */
import { patched } from '@temporalio/workflow';

/**
 * A workflow change that would make running workflows replay differently (a new, removed or reordered activity, timer
 * or signal wait) ships behind a change ID:
 *   1. add `'<workflow>-<what changed>'` here and branch on `isPatched(id)`: true takes the new code, false the old
 *      (a workflow that passed this point before the change);
 *   2. record a history that takes the new branch in test/fixtures/histories/, keeping the old one;
 *   3. once no running workflow can take the old branch, call `deprecatePatch(id)` instead and delete the old code;
 *   4. once none can have recorded the patch either, remove the call and the ID.
 */
export const CHANGE_IDS = [
  /** The EVM deposit waits for the listener's final word, then settles (read, credit, wake) in one local activity. */
  'evm-deposit-settle-in-one-step',
  /** The EVM collector runs its steps as local activities: a sweep's steps up to a wait share one workflow task. */
  'evm-collector-local-steps',
  /**
   * The EVM collector is retired: one still running hands its wallet to the chain's sweeper at its first new step
   * (the sweeper sweeps many wallets per tick).
   */
  'evm-collector-retired',
  /** A withdrawal whose user an operator disabled waits before sending until they are enabled again. */
  'withdrawal-waits-while-user-disabled',
  /** A cancel the withdrawal accepted while it awaited something before sending is honoured before the send starts. */
  'withdrawal-cancel-checked-before-send',
  /** An accepted withdrawal code is answered once the status it leads to is recorded (the API reads it there). */
  'withdrawal-confirm-answers-once-recorded',
  /**
   * Before sending, a withdrawal asks again whether its address is one of our own wallets (the request's rule), and
   * ends `rejected` with its hold released when it is: the worker registers them at its start, after some requests.
   */
  'withdrawal-refuses-own-wallets-before-send',
  /**
   * An operator's approval or rejection is answered once the status it leads to is recorded: a user's cancel taken in
   * the same workflow task wins, and the decision is refused naming it (both were answered 200 before).
   */
  'withdrawal-decision-answers-once-recorded',
  /**
   * A user's cancel is answered once the cancelled status is recorded (a GET right after could still show the status
   * before it); an end the workflow was already recording wins, and the cancel is refused naming it.
   */
  'withdrawal-cancel-answers-once-recorded',
  /**
   * A code whose check a cancel (or the deadline) overtook is refused naming the status: a right one was answered
   * accepted (200) for a cancelled withdrawal, or as a wrong code with no attempts left.
   */
  'withdrawal-confirm-refused-once-ended',
  /**
   * A withdrawal's confirmation asks for the second factor the user has when confirming, not the one they had at the
   * request: one turned off since left the withdrawal unconfirmable until it expired, one turned on was not asked for.
   * A missing TOTP code is refused by the handler (naming `totp`, no attempt counted), no longer by the validator.
   */
  'withdrawal-confirm-asks-current-second-factor',
  /** A finished report is announced as the operator alert `report_ready` (Slack, Telegram, mail by the alert routes). */
  'report-announced',
  /**
   * An invoice continues as new between looks once its run is long (run-length.ts), carrying when it closed: a week's
   * invoice and its late window polled past Temporal's 50K-event limit, and a restart replayed whole histories.
   */
  'invoice-continues-as-new',
  /**
   * An invoice's look values what each currency paid in total (valueOf), not each payment alone: parts adding up to
   * what is due settle at once instead of waiting a unit short until the deadline. A look made by 115f8ed (totals, no
   * marker; on main 2026-12-04 01:06–06:30 UTC) that settled such parts replays as a wait and fails: its invoice is
   * settled, and its run ends 24 h after (late window); one stuck before can be terminated, a late payment starts it again.
   */
  'invoice-values-currency-totals',
  /**
   * A pending trigger continues as new between looks at its row once its run is long: a stop order may wait weeks,
   * and its five-minute looks (11 events each) passed the 50K-event limit in 16 days.
   */
  'trigger-continues-as-new',
  /**
   * A withdrawal waiting for its disabled user or for a silent chain continues as new between looks once its run is
   * long, resuming at that wait: its 30-second looks (11 events each) passed the 50K-event limit in 38 hours.
   */
  'withdrawal-continues-as-new',
  /**
   * Reconciliation raises one `reconciliation_drift` alert per drifting account and currency, with the flat fields its
   * sample and templates name: one per run with a `drifts` list rendered the templates' placeholders blank.
   */
  'reconciliation-drift-alert-per-line',
  /**
   * Workflows that live for ever or for long, which continued as new only at the server's suggestion (4K events, where
   * a restart replayed a gas keeper's run in 19.7 s), also once their run is long (run-length.ts: `runIsLongSince`),
   * between ticks, checkpoints, looks or pages, nothing in flight.
   */
  'gas-keeper-continues-as-new-bounded',
  'sweeper-continues-as-new-bounded',
  'market-continues-as-new-bounded',
  'bet-event-continues-as-new-bounded',
  'broadcast-continues-as-new-bounded',
  /**
   * A reconciliation or ledger audit run that fails (an activity given up) raises a critical alert naming the run
   * before it fails (workflows/failed-run-alert.ts): it failed only in its workflow's state and the log before.
   */
  'reconciliation-failure-alerted',
  /**
   * An XRPL deposit tells its owner it was credited only when it was: one held (its owner is told when an operator
   * credits it, under the same key, which the early notice took) or paying an invoice (the invoice tells its merchant)
   * was announced "credited" too.
   */
  'xrpl-deposit-told-only-when-credited',
  'ledger-audit-failure-alerted',
  /**
   * An XRPL deposit held (below its owner's minimum, above their maximum) shows `held` in its search attribute, as its
   * query now answers and an EVM deposit's does: both said `credited`, with nothing credited.
   */
  'xrpl-deposit-shows-held',
  /**
   * A held XRPL deposit's workflow waits until the deposit is credited (an operator's credit signals it, an hourly look
   * reads its row, a long run continues as new) and then shows `credited`: it ended `held`, and showed it for good.
   */
  'xrpl-deposit-follows-held-credit',
  /**
   * A held XRPL deposit's run ends `held` again, leaving nothing open (one-drop payments each kept a run and an hourly
   * timer open for ever): its credit runs it again under its ID (an operator's, or a later deposit's releasing it),
   * and that run shows `credited`. A run waiting under `xrpl-deposit-follows-held-credit` ends at its next look.
   */
  'xrpl-deposit-held-run-ends',
  /**
   * An XRPL deposit tells the held deposits its credit released that they were credited a page per activity
   * (`tellReleasedDeposits`), after its credit: its credit activity told them all, one by one, and a release of
   * thousands ran past the activity's timeout and was retried from the first.
   */
  'xrpl-deposit-tells-released-in-pages',
] as const;

export type ChangeId = (typeof CHANGE_IDS)[number];

/** Whether this workflow runs the code added under `id` (always, for a workflow started after the change). */
export function isPatched(id: ChangeId): boolean {
  return patched(id);
}
