/**
 * Betting: events by state, an event's page with its bets, its settlement progress (the workflow's query, or the
 * database when the workflow is gone; htmx refreshes it while it settles) and the result entry, which goes through
 * betting's client as PATCH /v1/events/{id} does and records the operator who set it.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { formatCoefficient } from '../../../domain/betting/bets.js';
import { EVENT_STATES, type SettlementProgress } from '../../../domain/betting/events.js';

import {
  betEventById,
  betsOfEvent,
  changeBetEventBy,
  listBetEvents,
  settlementProgressOf,
  type BetEvent,
} from '../../../services/betting/client.js';
import { betEventWorkflowId } from '../../../workflows/betting/messages.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { found } from '../../http/problem.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseForm, parseInput } from '../forms.js';
import { amounts, type Amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, DefinitionList, NextPage, PostForm, Select, when } from '../ui.js';

const PAGE_SIZE = 50;
/** How often the page asks for the settlement progress while the event is not settled. */
const PROGRESS_REFRESH = 'every 2s';
const IdParam = z.object({ id: z.string().regex(/^\d{1,19}$/, 'must be an event id') });
const Result = z.enum(['finished_win', 'finished_lose', 'cancelled']);
const RESULTS: Array<[z.infer<typeof Result>, string]> = [
  ['finished_win', 'Won: pay the bets out'],
  ['finished_lose', 'Lost: the stakes are kept'],
  ['cancelled', 'Cancelled: refund every stake'],
];

const label = (s: string) => s.replaceAll('_', ' ');

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;
  const eventPath = (id: string) => `${CONSOLE_BASE}/betting/${id}`;
  const existing = async (id: string): Promise<BetEvent> => {
    const event = found(await betEventById(deps.sql, id), 'no such event');
    return event;
  };

  router.get('/', async (c) => {
    const q = parseInput(
      z.object({ state: z.enum(['', ...EVENT_STATES]).default(''), cursor: z.string().optional() }),
      c.req.query(),
    );
    const rows = await listBetEvents(deps.sql, {
      state: q.state || undefined,
      before: decodeCursor(q.cursor, Positions.serial),
      limit: PAGE_SIZE + 1,
    });
    const result = page(rows, PAGE_SIZE, (e) => e.id);
    return render(
      c,
      'Betting',
      <>
        <form method="get" action={`${CONSOLE_BASE}/betting`} class="filters">
          <Select
            name="state"
            label="State"
            value={q.state}
            options={[['', 'any'], ...EVENT_STATES.map((s): [string, string] => [s, label(s)])]}
          />
          <button type="submit">Filter</button>
        </form>
        <p>
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'bet-event' }} label="Bet event workflows" />
        </p>
        <table class="events">
          <caption>Events, newest first</caption>
          <thead>
            <tr>
              <th>Event</th>
              <th>State</th>
              <th class="num">Coefficient</th>
              <th>Betting closes</th>
              <th>Settled</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((e) => (
              <tr data-event={e.id}>
                <td>
                  <a href={eventPath(e.id)}>{e.title ?? `Event ${e.id}`}</a>
                </td>
                <td>{label(e.state)}</td>
                <td class="num">{formatCoefficient(e.coefficient)}</td>
                <td>{when(e.deadline)}</td>
                <td>{when(e.settledAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {result.data.length === 0 && <p>None.</p>}
        <NextPage path="/betting" query={{ state: q.state }} cursor={result.nextCursor} />
      </>,
    );
  });

  router.get('/:id', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    const { cursor } = parseInput(z.object({ cursor: z.string().optional() }), c.req.query());
    const event = await existing(id);
    const [bets, progress, fmt] = await Promise.all([
      betsOfEvent(deps.sql, id, { before: decodeCursor(cursor, Positions.serial), limit: PAGE_SIZE + 1 }),
      settlementProgressOf(deps, event),
      amounts(deps),
    ]);
    const shown = page(bets, PAGE_SIZE, (b) => b.id);
    return render(
      c,
      `Event ${event.title ?? event.id}`,
      <>
        <DefinitionList
          items={[
            ['State', <strong>{label(event.state)}</strong>],
            ['Coefficient', formatCoefficient(event.coefficient)],
            ['Betting closes', when(event.deadline)],
            ['Published by', <code>{event.createdBy}</code>],
            ['Result set', event.finishedAt && `${when(event.finishedAt)} by ${event.resultSetBy ?? 'unknown'}`],
            [
              'Workflow',
              <TemporalLink ui={ui} attributes={{ WorkflowId: betEventWorkflowId(id) }} label={betEventWorkflowId(id)} />,
            ],
          ]}
        />
        <h2>Settlement</h2>
        <Progress id={id} fmt={fmt} {...progress} />
        <h2>Result</h2>
        {event.state === 'new' ? (
          <PostForm action={`/betting/${id}/result`} csrfToken={c.get('csrfToken')}>
            <Select name="state" label="Result" options={RESULTS} />
            <Confirm id="result" what={`Set the result of ${event.title ?? `event ${id}`} and settle its bets`} />
            <button type="submit">Set result</button>
          </PostForm>
        ) : (
          <p>The result is set: {label(event.state)}.</p>
        )}
        <h2>Bets</h2>
        <table class="bets">
          <caption>Bets on this event, newest first</caption>
          <thead>
            <tr>
              <th>Placed</th>
              <th>User</th>
              <th class="num">Stake</th>
              <th class="num">Coefficient</th>
              <th>Status</th>
              <th class="num">Payout</th>
            </tr>
          </thead>
          <tbody>
            {shown.data.map((b) => (
              <tr data-bet={b.id}>
                <td>{when(b.placedAt)}</td>
                <td class="mono">{b.userId}</td>
                <td class="num">{fmt(b.amount, b.currency)}</td>
                <td class="num">{formatCoefficient(b.coefficient)}</td>
                <td>{b.status}</td>
                <td class="num">{b.payout === null ? '—' : fmt(b.payout, b.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.data.length === 0 && <p>No bets.</p>}
        <NextPage path={`/betting/${id}`} query={{}} cursor={shown.nextCursor} />
      </>,
      { notice: c.req.query('done') === 'result' ? 'Result set: the event’s workflow settles its bets.' : undefined },
    );
  });

  /** The settlement section alone, which the event's page swaps in (htmx) until the event is settled. */
  router.get('/:id/progress', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    const [progress, fmt] = await Promise.all([settlementProgressOf(deps, await existing(id)), amounts(deps)]);
    return c.html(<Progress id={id} fmt={fmt} {...progress} />);
  });

  router.post('/:id/result', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    const form = await parseForm(c, z.object({ confirm: Confirmed, state: Result }));
    await changeBetEventBy(deps, { id: c.get('operator').id, ownEventsOnly: false }, id, { state: form.state });
    return c.redirect(`${eventPath(id)}?done=result`, 303);
  });
}

function Progress(props: { id: string; fmt: Amounts; progress: SettlementProgress; source: 'workflow' | 'database' }) {
  const p = props.progress;
  const refresh = p.phase !== 'settled';
  return (
    <section
      id="settlement"
      class="settlement"
      data-phase={p.phase}
      hx-get={refresh ? `${CONSOLE_BASE}/betting/${props.id}/progress` : undefined}
      hx-trigger={refresh ? PROGRESS_REFRESH : undefined}
      hx-swap={refresh ? 'outerHTML' : undefined}
    >
      <DefinitionList
        items={[
          ['Phase', <strong class="phase">{p.phase}</strong>],
          ['Outcome', p.outcome && label(p.outcome)],
          ['Pages settled', String(p.pages)],
          ['Settling since', p.settlingSince],
          ['Settled at', p.settledAt],
          ['Source', props.source === 'workflow' ? 'the workflow' : 'the database (the workflow does not answer)'],
        ]}
      />
      {p.tally && (
        <table>
          <caption>
            {p.tally.total} bets: {p.tally.pending} pending, {p.tally.won} won, {p.tally.lost} lost, {p.tally.refunded} refunded
          </caption>
          <thead>
            <tr>
              <th>Currency</th>
              <th class="num">Staked</th>
              <th class="num">Paid back</th>
            </tr>
          </thead>
          <tbody>
            {p.tally.currencies.map((t) => (
              <tr data-currency={t.currency}>
                <td>{t.currency}</td>
                <td class="num">{props.fmt(BigInt(t.staked), t.currency)}</td>
                <td class="num">{props.fmt(BigInt(t.paidOut), t.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export const bettingPage: ConsolePage = { path: '/betting', title: 'Betting', roles: OPERATOR_ROLES, routes };
