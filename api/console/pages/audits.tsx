/**
 * Ledger audits: past results with their drift, one audit's report (its stored result, or its workflow's while it
 * runs), and running one now (audit's client, as POST /v1/ops/audit).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { DRIFT_FIELD_NAMES, type AuditReport, type Drift } from '../../../domain/audit/report.js';
import { auditStatus, listAudits, startManualAudit } from '../../../services/audit/client.js';
import { AUDIT_WORKFLOW_ID_PREFIX } from '../../../workflows/audit/messages.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { parseForm, parseInput } from '../forms.js';
import { amounts, type Amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { DefinitionList, NextPage, PostForm } from '../ui.js';

const PAGE_SIZE = 50;
const WorkflowParam = z.object({ workflowId: z.string().startsWith(AUDIT_WORKFLOW_ID_PREFIX).max(200) });

/** A drift's side: an amount of its currency, as the rest of the page writes amounts; for a currency drift, a code. */
const DriftValue = (value: string, drift: Drift, fmt: Amounts) =>
  drift.field === 'currency' ? value : fmt(BigInt(value), drift.currency);

const verdict = (ok: boolean) => (ok ? 'balanced, no drift' : 'DRIFT');

/** A report's figures: per-currency sums (zero when the books balance) and every drifting account. */
function Report(props: { report: AuditReport; fmt: Amounts }) {
  const { report, fmt } = props;
  return (
    <>
      <table>
        <caption>Per currency: the sum of posted balances must be zero</caption>
        <thead>
          <tr>
            <th>Currency</th>
            <th class="num">Accounts</th>
            <th class="num">Posted sum</th>
            <th class="num">Pending debits</th>
            <th class="num">Pending credits</th>
            <th>Balanced</th>
          </tr>
        </thead>
        <tbody>
          {report.currencies.map((t) => (
            <tr>
              <td>{t.currency}</td>
              <td class="num">{t.accounts}</td>
              <td class="num">{fmt(BigInt(t.postedSum), t.currency)}</td>
              <td class="num">{fmt(BigInt(t.pendingDebits), t.currency)}</td>
              <td class="num">{fmt(BigInt(t.pendingCredits), t.currency)}</td>
              <td>{t.balanced ? 'yes' : 'NO'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Drift</h2>
      {report.drifts.length === 0 ? (
        <p>None: every account's running sums agree with the journal.</p>
      ) : (
        <table>
          <caption>Accounts whose stored sums disagree with the journal</caption>
          <thead>
            <tr>
              <th>Account</th>
              <th>Currency</th>
              <th>Field</th>
              <th class="num">Stored</th>
              <th class="num">Journal</th>
            </tr>
          </thead>
          <tbody>
            {report.drifts.map((d) => (
              <tr>
                <td class="mono">{d.account}</td>
                <td>{d.currency}</td>
                <td>{DRIFT_FIELD_NAMES[d.field]}</td>
                <td class="num">{DriftValue(d.stored, d, fmt)}</td>
                <td class="num">{DriftValue(d.journal, d, fmt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;
  const auditPath = (workflowId: string) => `${CONSOLE_BASE}/audits/${encodeURIComponent(workflowId)}`;

  router.get('/', async (c) => {
    const { cursor } = parseInput(z.object({ cursor: z.string().optional() }), c.req.query());
    const rows = await listAudits(deps.sql, { before: decodeCursor(cursor, Positions.uuid), limit: PAGE_SIZE + 1 });
    const result = page(rows, PAGE_SIZE, (r) => r.id);
    return render(
      c,
      'Ledger audits',
      <>
        <PostForm action="/audits" csrfToken={c.get('csrfToken')} class="inline">
          <button type="submit">Run an audit now</button>
        </PostForm>
        <p>
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'ledger-audit' }} label="Audits" />
        </p>
        <table>
          <caption>Audits, newest first</caption>
          <thead>
            <tr>
              <th>Finished</th>
              <th>Trigger</th>
              <th>Result</th>
              <th class="num">Accounts</th>
              <th class="num">Transfers</th>
              <th class="num">Drifts</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((a) => (
              <tr>
                <td>
                  <a href={auditPath(a.workflowId)}>{a.finishedAt}</a>
                </td>
                <td>{a.trigger}</td>
                <td>{verdict(a.ok)}</td>
                <td class="num">{a.accountsChecked}</td>
                <td class="num">{a.transfersChecked}</td>
                <td class="num">{a.drifts.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <NextPage path="/audits" query={{}} cursor={result.nextCursor} />
      </>,
    );
  });

  router.post('/', async (c) => {
    await parseForm(c, z.object({}));
    const handle = await startManualAudit(deps.temporal, c.get('operator').id);
    return c.redirect(auditPath(handle.workflowId), 303);
  });

  router.get('/:workflowId', async (c) => {
    const { workflowId } = parseInput(WorkflowParam, c.req.param());
    const [status, fmt] = await Promise.all([auditStatus(deps, workflowId), amounts(deps)]);
    return render(
      c,
      'Ledger audit',
      <>
        <DefinitionList
          items={[
            ['Result', <strong class="audit-state">{status.state === 'running' ? 'running' : verdict(status.ok)}</strong>],
            ['Started', status.startedAt],
            ['Finished', status.state === 'done' ? status.finishedAt : undefined],
            ['Accounts checked', status.state === 'done' ? String(status.accountsChecked) : undefined],
            ['Transfers checked', status.state === 'done' ? String(status.transfersChecked) : undefined],
            ['Workflow', <TemporalLink ui={ui} attributes={{ WorkflowId: workflowId }} label={workflowId} />],
          ]}
        />
        {status.state === 'done' && <Report report={status} fmt={fmt} />}
      </>,
    );
  });
}

export const auditsPage: ConsolePage = { path: '/audits', title: 'Audits', roles: OPERATOR_ROLES, routes };
