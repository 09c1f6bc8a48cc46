/**
 * Withdrawals: the queues by status, and a withdrawal's page with its timeline (the stored history and what its
 * workflow says now: approval, provider, the providers that failed) and the operator's actions: approve, reject, and
 * close by hand. Every action goes through withdrawals' client, as the admin API's does, and records the operator.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { WITHDRAWAL_STATUSES, type WithdrawalStatus } from '../../../domain/withdrawals/status.js';
import {
  approveWithdrawal,
  closeWithdrawal,
  existingWithdrawal,
  listWithdrawals,
  rejectWithdrawal,
  withdrawalCounts,
  withdrawalEvents,
  withdrawalState,
  type WithdrawalDeps,
} from '../../../services/withdrawals/client.js';
import { withdrawalWorkflowId } from '../../../workflows/withdrawals/messages.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, optionalText, parseForm, parseInput } from '../forms.js';
import { amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, DefinitionList, NextPage, PostForm, Select, TextArea, Field, when } from '../ui.js';

const PAGE_SIZE = 50;
const IdParam = z.object({ id: z.uuid() });
const QueueQuery = z.object({ status: z.enum(WITHDRAWAL_STATUSES).default('awaiting_approval'), cursor: z.string().optional() });
const CLOSABLE: readonly WithdrawalStatus[] = ['broadcast', 'failed_awaiting_operator'];
/** The queues whose size is shown: the open ones (the ended ones only grow). */
const OPEN: readonly WithdrawalStatus[] = [
  'awaiting_confirmation',
  'awaiting_approval',
  'queued',
  'broadcast',
  'failed_awaiting_operator',
];
const DONE: Record<string, string> = {
  approved: 'Approved: the withdrawal is queued for payout.',
  rejected: 'Rejected: the held funds are released.',
  closed: 'Closed.',
};

/** The shortest reason or note a decision is recorded with. */
const NOTE_MIN = 3;

const label = (status: string) => status.replaceAll('_', ' ');
/** How often an open queue's first page is read again. */
const QUEUE_REFRESH = 'every 5s';

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const withdrawals: WithdrawalDeps = {
    sql: deps.sql,
    temporal: deps.temporal,
    timings: deps.settings.withdrawals,
    log: deps.log,
  };
  // a close as succeeded reads the payout it cites on the withdrawal's chain, as the admin API's does
  const closing = { ...withdrawals, currencies: deps.currencies, chains: deps.chains };
  const ui = deps.settings.console.temporalUi;
  const detailPath = (id: string) => `${CONSOLE_BASE}/withdrawals/${id}`;

  router.get('/', async (c) => {
    const query = parseInput(QueueQuery, c.req.query());
    const [counts, rows, fmt] = await Promise.all([
      withdrawalCounts(deps.sql, OPEN),
      listWithdrawals(deps.sql, {
        status: query.status,
        before: decodeCursor(query.cursor, Positions.uuid),
        limit: PAGE_SIZE + 1,
      }),
      amounts(deps),
    ]);
    const result = page(rows, PAGE_SIZE, (w) => w.id);
    return render(
      c,
      'Withdrawals',
      <section
        id="queue"
        // the first page of a queue refreshes itself (htmx swaps this section from the same page read again)
        hx-get={query.cursor ? undefined : `${CONSOLE_BASE}/withdrawals?status=${query.status}`}
        hx-trigger={query.cursor ? undefined : QUEUE_REFRESH}
        hx-select="#queue"
        hx-swap="outerHTML"
      >
        <nav class="tabs" aria-label="Queues">
          {WITHDRAWAL_STATUSES.map((s) => (
            <a href={`${CONSOLE_BASE}/withdrawals?status=${s}`} aria-current={s === query.status ? 'page' : undefined}>
              {label(s)}
              {counts.has(s) && ` (${counts.get(s)})`}
            </a>
          ))}
        </nav>
        <p>
          <TemporalLink
            ui={ui}
            attributes={{ SluiceKind: 'withdrawal', SluiceStatus: query.status }}
            label={`Withdrawals ${label(query.status)}`}
          />
        </p>
        <table>
          <caption>Withdrawals {label(query.status)}, newest first</caption>
          <thead>
            <tr>
              <th>Requested</th>
              <th class="num">Amount</th>
              <th>To</th>
              <th>User</th>
              <th>Why approval</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((w) => (
              <tr>
                <td>
                  <a href={detailPath(w.id)}>{when(w.createdAt)}</a>
                </td>
                <td class="num">{fmt(w.amount, w.currency)}</td>
                <td class="mono">{w.address}</td>
                <td class="mono">{w.userId}</td>
                <td>{w.approvalReasons.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {result.data.length === 0 && <p>None.</p>}
        <NextPage path="/withdrawals" query={{ status: query.status }} cursor={result.nextCursor} />
      </section>,
    );
  });

  /** A withdrawal's page; a refused reject's or close's form comes back on it as sent (refused-form.tsx). */
  const withdrawalPage = async (c: Context<ConsoleEnv>) => {
    const { id } = parseInput(IdParam, c.req.param());
    const w = await existingWithdrawal(deps.sql, id);
    const [history, state, fmt] = await Promise.all([
      withdrawalEvents(deps.sql, id),
      // the workflow may have ended long ago, or Temporal be down: the stored history still shows
      withdrawalState(deps.temporal, id).catch(() => null),
      amounts(deps),
    ]);
    const csrf = c.get('csrfToken');
    const summary = `${fmt(w.amount, w.currency)} to ${w.address}`;
    return render(
      c,
      `Withdrawal ${fmt(w.amount, w.currency)}`,
      <>
        <DefinitionList
          items={[
            ['Status', <strong>{label(w.status)}</strong>],
            ['Amount', fmt(w.amount, w.currency)],
            ['Fee', fmt(w.fee, w.currency)],
            ['To', <code>{w.address}</code>],
            ['Destination tag', w.destinationTag?.toString()],
            ['User', <code>{w.userId}</code>],
            ['Approval', w.approvalRequired ? `required (${w.approvalReasons.join(', ')})` : 'not required'],
            ['Provider', w.providerId],
            ['Chain', w.chain],
            ['Transaction', w.txHash && <code>{w.txHash}</code>],
            ['Decided by', w.decidedBy && `${w.decidedBy}${w.decisionNote ? `: ${w.decisionNote}` : ''}`],
            [
              'Workflow',
              <TemporalLink ui={ui} attributes={{ WorkflowId: withdrawalWorkflowId(id) }} label={withdrawalWorkflowId(id)} />,
            ],
          ]}
        />
        <h2>Timeline</h2>
        <table>
          <caption>Status changes, oldest first</caption>
          <thead>
            <tr>
              <th>At</th>
              <th>Status</th>
              <th>By</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {history.map((e) => (
              <tr>
                <td>{when(e.at)}</td>
                <td>{label(e.status)}</td>
                <td class="mono">{e.actor}</td>
                <td class="mono">{Object.keys(e.detail).length > 0 ? JSON.stringify(e.detail) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Workflow now</h2>
        {state ? (
          <>
            <DefinitionList
              items={[
                ['Workflow status', label(state.status)],
                ['Approval', label(state.approvalState)],
                ['Provider', state.providerId],
                ['Transaction', state.txHash && <code>{state.txHash}</code>],
                ['Code attempts', String(state.codeAttempts)],
              ]}
            />
            <h3>Provider attempts that failed</h3>
            {state.failures.length === 0 ? (
              <p>None.</p>
            ) : (
              <ul>
                {state.failures.map((f) => (
                  <li>
                    <code>{f.providerId}</code>: {f.reason}
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : (
          <p>The workflow does not answer (it ended long ago, or Temporal is unavailable).</p>
        )}
        <h2>Actions</h2>
        <div class="actions">
          {w.status === 'awaiting_approval' && (
            <>
              <PostForm action={`/withdrawals/${id}/approve`} csrfToken={csrf}>
                <Confirm id="approve" what={`Approve paying ${summary}`} />
                <button type="submit">Approve</button>
              </PostForm>
              <PostForm action={`/withdrawals/${id}/reject`} csrfToken={csrf}>
                <TextArea name="reason" label="Reason for rejecting" required minLength={NOTE_MIN} />
                <Confirm id="reject" what={`Reject this withdrawal and release ${fmt(w.amount + w.fee, w.currency)}`} />
                <button type="submit">Reject</button>
              </PostForm>
            </>
          )}
          {CLOSABLE.includes(w.status) && (
            <PostForm action={`/withdrawals/${id}/close`} csrfToken={csrf}>
              <Select
                name="outcome"
                label="Outcome"
                options={[
                  ['succeeded', 'Paid: post the held funds'],
                  ['failed', 'Not paid: release the held funds'],
                ]}
              />
              <Field name="tx_hash" label="Transaction that paid it (read on chain; empty: its own payout)" />
              <TextArea name="note" label="Note" required minLength={NOTE_MIN} />
              <Confirm id="close" what={`Close this withdrawal of ${summary} by hand`} />
              <button type="submit">Close</button>
            </PostForm>
          )}
          {w.status !== 'awaiting_approval' && !CLOSABLE.includes(w.status) && <p>No operator action in this status.</p>}
        </div>
      </>,
      { notice: DONE[c.req.query('done') ?? ''] },
    );
  };
  router.get('/:id', withdrawalPage);

  const done = (id: string, what: keyof typeof DONE) => `${detailPath(id)}?done=${what}`;

  router.post('/:id/approve', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await approveWithdrawal(withdrawals, c.get('operator').id, id);
    return c.redirect(done(id, 'approved'), 303);
  });

  router.post(
    '/:id/reject',
    refusable(withdrawalPage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const form = await parseForm(
        c,
        z.object({
          confirm: Confirmed,
          reason: z.string().trim().min(NOTE_MIN, `must be at least ${NOTE_MIN} characters`).max(500),
        }),
      );
      await rejectWithdrawal(withdrawals, c.get('operator').id, id, form.reason);
      return c.redirect(done(id, 'rejected'), 303);
    }),
  );

  router.post(
    '/:id/close',
    refusable(withdrawalPage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const form = await parseForm(
        c,
        z.object({
          confirm: Confirmed,
          outcome: z.enum(['succeeded', 'failed']),
          tx_hash: optionalText(z.string().min(1).max(130)),
          note: z.string().trim().min(NOTE_MIN, `must be at least ${NOTE_MIN} characters`).max(1000),
        }),
      );
      await closeWithdrawal(closing, id, {
        operatorId: c.get('operator').id,
        outcome: form.outcome,
        txHash: form.tx_hash,
        note: form.note,
      });
      return c.redirect(done(id, 'closed'), 303);
    }),
  );
}

export const withdrawalsPage: ConsolePage = { path: '/withdrawals', title: 'Withdrawals', roles: OPERATOR_ROLES, routes };
