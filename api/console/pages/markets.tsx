/**
 * Markets: every spot pair with its market workflow's state (halted or not, by whom, last checkpoint and audit), and
 * the operator's halt (with a reason) and resume, which are the `market:<pair>` workflow's Updates through the
 * exchange's client, as POST /v1/ops/markets/{pair}/halt and /resume do, recording the operator.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { haltMarket, marketWorkflowState, resumeMarket } from '../../../services/exchange/client.js';
import { marketWorkflowId } from '../../../workflows/exchange/market/messages.js';
import type { ApiDeps } from '../../context.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseForm, parseInput } from '../forms.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, Field, PostForm } from '../ui.js';

const PairParam = z.object({
  pair: z.string().regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/, 'must be a pair such as BTC-USDT'),
});
const DONE: Record<string, string> = { halted: 'Market halted: no new orders.', resumed: 'Market resumed.' };

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;

  /** The markets; a refused halt's form comes back on it as sent (refused-form.tsx). */
  const marketsList = async (c: Context<ConsoleEnv>) => {
    const pairs = [...(await deps.exchange.pairs()).values()].sort((a, b) => a.code.localeCompare(b.code));
    // a market whose workflow does not answer (not started yet, Temporal unavailable) still shows, without its state
    const states = await Promise.all(pairs.map((p) => marketWorkflowState(deps.temporal, p.code).catch(() => null)));
    const csrf = c.get('csrfToken');
    return render(
      c,
      'Markets',
      <>
        <p>
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'market' }} label="Market workflows" />
        </p>
        {pairs.length === 0 && <p>No pairs are configured.</p>}
        <table class="markets">
          <caption>Spot markets</caption>
          <thead>
            <tr>
              <th>Pair</th>
              <th>Trading</th>
              <th>Last checkpoint</th>
              <th>Last audit</th>
              <th>Action</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map((p, i) => {
              const state = states[i];
              return (
                <tr data-pair={p.code}>
                  <td>
                    <TemporalLink ui={ui} attributes={{ WorkflowId: marketWorkflowId(p.code) }} label={p.code} />
                  </td>
                  <td class="market-state">
                    {!p.enabled
                      ? 'disabled'
                      : !state
                        ? 'workflow not answering'
                        : state.halted
                          ? `halted by ${state.halted.by}: ${state.halted.reason}`
                          : 'open'}
                  </td>
                  <td class="mono">
                    {state?.lastCheckpoint ? `#${state.lastCheckpoint.seq} ${state.lastCheckpoint.hash}` : '—'}
                  </td>
                  <td>{state?.lastAudit ? (state.lastAudit.ok ? 'balanced' : 'MISMATCH') : '—'}</td>
                  <td>
                    {state &&
                      (state.halted ? (
                        <PostForm action={`/markets/${p.code}/resume`} csrfToken={csrf}>
                          <Confirm id={`resume-${p.code}`} what={`Resume trading on ${p.code}`} />
                          <button type="submit">Resume</button>
                        </PostForm>
                      ) : (
                        <PostForm action={`/markets/${p.code}/halt`} csrfToken={csrf}>
                          <Field name="reason" id={`reason-${p.code}`} label={`Why halt ${p.code}`} required />
                          <Confirm id={`halt-${p.code}`} what={`Halt ${p.code}: refuse new orders`} />
                          <button type="submit">Halt</button>
                        </PostForm>
                      ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </>,
      { notice: DONE[c.req.query('done') ?? ''] },
    );
  };
  router.get('/', marketsList);

  router.post(
    '/:pair/halt',
    refusable(marketsList, async (c) => {
      const { pair } = parseInput(PairParam, c.req.param());
      const form = await parseForm(c, z.object({ confirm: Confirmed, reason: z.string().trim().min(3).max(500) }));
      await haltMarket(deps.temporal, (await deps.exchange.pair(pair)).code, form.reason, c.get('operator').id);
      return c.redirect(`${CONSOLE_BASE}/markets?done=halted`, 303);
    }),
  );

  router.post('/:pair/resume', async (c) => {
    const { pair } = parseInput(PairParam, c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await resumeMarket(deps.temporal, (await deps.exchange.pair(pair)).code, c.get('operator').id);
    return c.redirect(`${CONSOLE_BASE}/markets?done=resumed`, 303);
  });
}

export const marketsPage: ConsolePage = { path: '/markets', title: 'Markets', roles: OPERATOR_ROLES, routes };
