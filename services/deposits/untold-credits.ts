/**
 * Tells the workflows of held XRPL deposits that they were credited (queued in the crediting transaction,
 * `xrpl_untold_credits`), a page at a time, until each tell went through. A page's rows are claimed (`skip locked`),
 * so the releasing workflow, an operator's request and the sweeps of several workers never tell one twice at once;
 * a told row leaves the queue in the page's transaction, so a page tried again tells only what is left.
 */
import type { Sql, Tx } from '../../platform/db/client.js';
import { eachLimited } from '../../platform/each-limited.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  xrplDepositCreditedSignal,
  xrplDepositSearchAttributes,
  xrplDepositWorkflowType,
  type XrplDepositWorkflow,
} from '../../workflows/deposits/xrpl/messages.js';
import { toDeposit, type Deposit } from './store.js';

/** A page: told within a few seconds, well inside an activity's timeout. */
export const UNTOLD_PAGE = 200;
/** Tells in flight at once: Temporal answers each in a few milliseconds, mostly waiting on its database. */
const TELLS_IN_FLIGHT = 16;

/** Which queued deposits a page takes: those a deposit released, one deposit, or any queued a while ago. */
export type UntoldCredits = { releasedBy: string } | { depositId: string } | { queuedSecondsAgo: number };

/**
 * Tells a held XRPL deposit's workflow it was credited, so that its query and search attribute say so. Its run ended
 * `held` (leaving nothing open: a held deposit costs its sender one drop), so it runs again under its ID, reading the
 * row: the ID's newest run shows `credited`, while the ended run keeps `held` in the Temporal UI's list (the deposit
 * row is the truth). A run still crediting hears the signal instead, and reads the row before it ends. Telling again
 * is harmless: another run reads the same row (and its notice's key is taken).
 */
async function tellXrplDepositCredited(temporal: TemporalTarget, deposit: Deposit): Promise<void> {
  await temporal.client.workflow.signalWithStart<XrplDepositWorkflow, []>(xrplDepositWorkflowType, {
    workflowId: deposit.workflowId,
    taskQueue: temporal.taskQueue,
    args: [{ depositId: deposit.id, hash: deposit.txHash, heldBefore: true }],
    signal: xrplDepositCreditedSignal,
    signalArgs: [],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: xrplDepositSearchAttributes(deposit.userId),
  });
}

function claimPage(tx: Tx, which: UntoldCredits) {
  const filter =
    'releasedBy' in which
      ? tx`d.credited_with = ${which.releasedBy} and d.credited_with <> d.id`
      : 'depositId' in which
        ? tx`u.deposit_id = ${which.depositId}`
        : tx`u.queued_at < now() - make_interval(secs => ${which.queuedSecondsAgo})`;
  return tx`
    select d.* from xrpl_untold_credits u join deposits d on d.id = u.deposit_id
    where ${filter} order by u.deposit_id limit ${UNTOLD_PAGE} for update of u skip locked`;
}

/**
 * Tells one page of the queued deposits `which` selects, calling `told` after each tell (an activity's heartbeat);
 * answers how many it told. A failed tell fails the page, once the tells before it left the queue.
 */
export async function tellUntoldCredits(
  deps: { sql: Sql; temporal: TemporalTarget },
  which: UntoldCredits,
  told: () => void = () => {},
): Promise<number> {
  const { done, failure } = await deps.sql.begin(async (tx) => {
    const page = (await claimPage(tx, which)).map(toDeposit);
    const outcome = await eachLimited(page, TELLS_IN_FLIGHT, async (deposit) => {
      await tellXrplDepositCredited(deps.temporal, deposit);
      told();
    });
    const ids = outcome.done.map((d) => d.id);
    if (ids.length > 0) await tx`delete from xrpl_untold_credits where deposit_id = any(${tx.array(ids)}::bigint[])`;
    return outcome;
  });
  if (failure) throw failure;
  return done.length;
}

/**
 * The worker's sweep: tells every deposit queued more than `graceSeconds` ago (an operator's tell that failed, a page
 * whose workflow has not come back to it yet), a page at a time. Answers how many it told.
 */
export async function tellLeftUntold(deps: { sql: Sql; temporal: TemporalTarget }, graceSeconds: number): Promise<number> {
  let total = 0;
  for (;;) {
    const told = await tellUntoldCredits(deps, { queuedSecondsAgo: graceSeconds });
    total += told;
    if (told < UNTOLD_PAGE) return total;
  }
}
