/**
 * Reconciliation for operators: past runs with their drift, one run's comparison of every custody account with its
 * wallets (its step, refreshing itself, while it runs), running one now (reconciliation's client, as GET/POST /v1/ops/reconciliations), and booking what a run found
 * unexplained against equity (as POST /v1/ops/custody-adjustments).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import type { DriftLine } from '../../../domain/reconciliation/drift.js';
import {
  adjustCustody,
  listReconciliations,
  reconciliationById,
  reconciliationProgress,
  runningReconciliations,
  startReconciliation,
  type ReconciliationProgress,
  type RunningReconciliation,
} from '../../../services/reconciliation/client.js';
import { manualReconciliationWorkflowId } from '../../../workflows/reconciliation/messages.js';
import { ErrorCode } from '../../../domain/errors.js';
import type { ApiDeps } from '../../context.js';
import { money } from '../../http/money.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { ApiError } from '../../http/problem.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { parseAdjustmentForm } from '../adjustment-form.js';
import { parseForm, parseInput } from '../forms.js';
import { amounts, type Amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { TemporalLink, type TemporalUi } from '../temporal-ui.js';
import { Confirm, DefinitionList, Field, NextPage, PostForm, when } from '../ui.js';

const PAGE_SIZE = 50;
const IdParam = z.object({ id: z.uuid() });

const verdict = (ok: boolean) => (ok ? 'reconciled' : 'DRIFT');
/** How often a running reconciliation's page reads its progress again. */
const PROGRESS_REFRESH = 'every 2s';
const stepText = (p: ReconciliationProgress) =>
  `${p.step ?? 'starting, or between steps'}${p.retry ? ` (attempt ${p.retry.attempt}${p.retry.lastFailure ? `: ${p.retry.lastFailure}` : ''})` : ''}`;
const runPath = (id: string) => `${CONSOLE_BASE}/reconciliations/${id}`;

function Lines(props: { lines: DriftLine[]; fmt: Amounts }) {
  const { lines, fmt } = props;
  const cell = (minor: string, currency: string) => <td class="num">{fmt(BigInt(minor), currency)}</td>;
  return (
    <table>
      <caption>Per custody account and currency: chain against ledger, and what explains the difference</caption>
      <thead>
        <tr>
          <th>Account</th>
          <th class="num">Ledger</th>
          <th class="num">Chain</th>
          <th class="num">Drift</th>
          <th class="num">In flight</th>
          <th class="num">Awaiting confirmations</th>
          <th class="num">Held deposits</th>
          <th class="num">Unswept</th>
          <th class="num">Unexplained</th>
          <th>Alert</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr class={l.alert ? 'drift-alert' : undefined}>
            <td class="mono">{l.account}</td>
            {cell(l.ledger, l.currency)}
            {cell(l.chain, l.currency)}
            {cell(l.drift, l.currency)}
            {cell(l.inFlight, l.currency)}
            {cell(l.awaitingConfirmations, l.currency)}
            {cell(l.held, l.currency)}
            {cell(l.unswept, l.currency)}
            {cell(l.unexplained, l.currency)}
            <td>{l.alert ? 'YES' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One form per line a run left unexplained, its amount filled in: the operator books it once its cause is known (a
 * wallet's balance from before Sluice watched it, funds lost), with the reason on record.
 */
function Adjustments(props: {
  runId: string;
  lines: DriftLine[];
  decimal: (minor: string, currency: string) => string;
  csrf: string;
}) {
  const unexplained = props.lines.filter((l) => l.unexplained !== '0');
  if (unexplained.length === 0) return null;
  return (
    <>
      <h2>Book the unexplained drift</h2>
      <p>
        Once its cause is known, book it against equity with a reason: the custody account's holdings in the ledger move by the
        amount (negative takes away), and the next run matches.
      </p>
      <div class="actions">
        {unexplained.map((l, i) => (
          <PostForm action={`/reconciliations/${props.runId}/adjust`} csrfToken={props.csrf} row={`${l.account} ${l.currency}`}>
            <input type="hidden" name="key" value={randomUUID()} />
            <input type="hidden" name="account" value={l.account} />
            <input type="hidden" name="currency" value={l.currency} />
            <Field
              id={`amount-${i}`}
              name="amount"
              label={`${l.account}, ${l.currency}`}
              value={props.decimal(l.unexplained, l.currency)}
              required
            />
            <Field id={`reason-${i}`} name="reason" label="Reason (kept on record)" required />
            <Confirm id={`adjust-${i}`} what={`Book this amount to ${l.account} against equity`} />
            <button type="submit">Book adjustment</button>
          </PostForm>
        ))}
      </div>
    </>
  );
}

/** Runs in progress, above the finished ones: an on-demand run links to its page, which shows its step live. */
function RunningRuns(props: { runs: RunningReconciliation[] | null; ui: TemporalUi }) {
  if (props.runs === null) return <p class="error">Runs in progress could not be read from Temporal.</p>;
  if (props.runs.length === 0) return null;
  return (
    <table>
      <caption>In progress</caption>
      <thead>
        <tr>
          <th>Started</th>
          <th>Trigger</th>
          <th>Workflow</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((r) => (
          <tr class="reconciliation-running">
            <td>{r.id ? <a href={runPath(r.id)}>{when(r.since)}</a> : when(r.since)}</td>
            <td>{r.id ? 'manual' : 'schedule'}</td>
            <td>
              <TemporalLink ui={props.ui} attributes={{ WorkflowId: r.workflowId }} label={r.workflowId} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;

  router.get('/', async (c) => {
    const { cursor } = parseInput(z.object({ cursor: z.string().optional() }), c.req.query());
    const before = decodeCursor(cursor, Positions.uuid);
    const [rows, fmt, running] = await Promise.all([
      listReconciliations(deps.sql, { before, limit: PAGE_SIZE + 1 }),
      amounts(deps),
      // on the first page only; the finished runs are Postgres's and stay listed while Temporal is unreachable
      before
        ? []
        : runningReconciliations(deps.temporal).catch((error: unknown) => {
            deps.log.warn({ err: error }, 'could not list the reconciliations in progress');
            return null;
          }),
    ]);
    const result = page(rows, PAGE_SIZE, (r) => r.id);
    return render(
      c,
      'Reconciliations',
      <>
        <PostForm action="/reconciliations" csrfToken={c.get('csrfToken')} class="inline">
          <button type="submit">Reconcile now</button>
        </PostForm>
        <p>
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'reconciliation' }} label="Reconciliation workflows" />
        </p>
        <RunningRuns runs={running} ui={ui} />
        <table>
          <caption>Runs, newest first: custody accounts against their wallets on chain</caption>
          <thead>
            <tr>
              <th>Finished</th>
              <th>Trigger</th>
              <th>Result</th>
              <th class="num">Booked fees</th>
              <th class="num">Booked top-ups</th>
              <th>Unexplained drift</th>
              <th class="num">Below minimum</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((r) => (
              <tr>
                <td>
                  <a href={runPath(r.id)}>{r.finishedAt}</a>
                </td>
                <td>{r.trigger}</td>
                <td class="reconciliation-result">{verdict(r.ok)}</td>
                <td class="num">{r.booked.networkFees}</td>
                <td class="num">{r.booked.topUps}</td>
                <td>
                  {r.lines
                    .filter((l) => l.unexplained !== '0')
                    .map((l) => `${l.account}: ${fmt(BigInt(l.unexplained), l.currency)}`)
                    .join('; ') || 'none'}
                </td>
                <td class="num">{r.belowMinimum.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <NextPage path="/reconciliations" query={{}} cursor={result.nextCursor} />
      </>,
    );
  });

  router.post('/', async (c) => {
    await parseForm(c, z.object({}));
    const started = await startReconciliation(deps.temporal, c.get('operator').id);
    return c.redirect(runPath(started.id), 303);
  });

  /** A run's result, or while it runs its progress, which refreshes itself (htmx) until the result is recorded. */
  const runSection = async (c: Context<ConsoleEnv>, id: string) => {
    const run = await reconciliationById(deps.sql, id);
    const progress = run ? null : await reconciliationProgress(deps.temporal, id);
    if (!run && !progress) throw new ApiError(ErrorCode.NotFound, 'no such reconciliation');
    const [fmt, currencies] = await Promise.all([amounts(deps), deps.currencies.all()]);
    const byCode = new Map(currencies.map((cur) => [cur.code, cur]));
    const decimal = (minor: string, code: string) => {
      const currency = byCode.get(code);
      return currency ? money(BigInt(minor), currency) : minor;
    };
    const workflowId = run?.workflowId ?? manualReconciliationWorkflowId(id);
    return (
      <section
        id="run"
        hx-get={progress ? `${runPath(id)}/progress` : undefined}
        hx-trigger={progress ? PROGRESS_REFRESH : undefined}
        hx-swap={progress ? 'outerHTML' : undefined}
      >
        <DefinitionList
          items={[
            ['Result', <strong class="reconciliation-result">{run ? verdict(run.ok) : 'running'}</strong>],
            ...(progress ? [['Step', <span class="reconciliation-step">{stepText(progress)}</span>] as [string, Child]] : []),
            ['Trigger', run?.trigger],
            ['Started', run?.startedAt ?? (progress && when(progress.since))],
            ['Finished', run?.finishedAt],
            ['Booked', run ? `${run.booked.networkFees} network fees, ${run.booked.topUps} top-ups` : undefined],
            ['Workflow', <TemporalLink ui={ui} attributes={{ WorkflowId: workflowId }} label={workflowId} />],
          ]}
        />
        {run && <Lines lines={run.lines} fmt={fmt} />}
        {run && <Adjustments runId={run.id} lines={run.lines} decimal={decimal} csrf={c.get('csrfToken')} />}
        {run && run.belowMinimum.length > 0 && (
          <table>
            <caption>Below the expected minimum</caption>
            <thead>
              <tr>
                <th>Account or wallet</th>
                <th class="num">Minimum</th>
                <th class="num">Holds</th>
              </tr>
            </thead>
            <tbody>
              {run.belowMinimum.map((b) => (
                <tr>
                  <td class="mono">{b.target}</td>
                  <td class="num">{fmt(BigInt(b.minimum), b.currency)}</td>
                  <td class="num">{fmt(BigInt(b.balance), b.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    );
  };

  /** A run's page; a refused adjustment's form comes back on it as sent (refused-form.tsx). */
  const runPage = async (c: Context<ConsoleEnv>) => {
    const { id } = parseInput(IdParam, c.req.param());
    return render(c, 'Reconciliation', await runSection(c, id), {
      notice: c.req.query('done') === 'adjusted' ? 'Adjustment booked: the next run matches it.' : undefined,
    });
  };
  router.get('/:id', runPage);

  /** The run's section alone, which its page swaps in (htmx) while the run is in progress. */
  router.get('/:id/progress', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    return c.html(await runSection(c, id));
  });

  router.post(
    '/:id/adjust',
    refusable(runPage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const { form, ...adjustment } = await parseAdjustmentForm(c, deps);
      const { account } = parseInput(z.object({ account: z.string().max(200) }), form);
      await adjustCustody(deps, { ...adjustment, operatorId: c.get('operator').id, account });
      return c.redirect(`${runPath(id)}?done=adjusted`, 303);
    }),
  );
}

export const reconciliationsPage: ConsolePage = {
  path: '/reconciliations',
  title: 'Reconciliations',
  roles: OPERATOR_ROLES,
  routes,
};
