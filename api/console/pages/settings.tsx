/**
 * Settings: the withdrawal providers of each currency in priority order (the first is tried first), moved up or down
 * and switched on or off through withdrawals' client, as PUT /v1/ops/providers does.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { ErrorCode } from '../../../domain/errors.js';
import { providerRoutes, setProviderOrder, type WithdrawalDeps } from '../../../services/withdrawals/client.js';
import type { ApiDeps } from '../../context.js';
import { ApiError } from '../../http/problem.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { parseForm } from '../forms.js';
import { OPERATORS, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { PostForm } from '../ui.js';

type Route = { id: string; enabled: boolean };
type Change = 'up' | 'down' | 'toggle';

/** The order after one operator's change: a provider swapped with its neighbour, or switched on or off. */
function changedOrder(routes: Route[], id: string, change: Change): Route[] {
  const at = routes.findIndex((r) => r.id === id);
  if (at < 0) throw new ApiError(ErrorCode.NotFound, `no provider ${id} for this currency`);
  const next = routes.map((r) => ({ ...r }));
  if (change === 'toggle') next[at]!.enabled = !next[at]!.enabled;
  const other = change === 'up' ? at - 1 : change === 'down' ? at + 1 : at;
  if (other >= 0 && other < next.length) [next[at], next[other]] = [next[other]!, next[at]!];
  return next;
}

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const withdrawals: WithdrawalDeps = {
    sql: deps.sql,
    temporal: deps.temporal,
    timings: deps.settings.withdrawals,
    log: deps.log,
  };
  const byCurrency = async () => {
    const grouped = new Map<string, Route[]>();
    for (const r of await providerRoutes(deps.sql))
      grouped.set(r.currency, [...(grouped.get(r.currency) ?? []), { id: r.providerId, enabled: r.enabled }]);
    return grouped;
  };

  router.get('/', async (c) => {
    const grouped = await byCurrency();
    const csrf = c.get('csrfToken');
    const button = (currency: string, id: string, change: Change, text: string, disabled = false) => (
      <PostForm action="/settings/providers" csrfToken={csrf} class="inline">
        <input type="hidden" name="currency" value={currency} />
        <input type="hidden" name="provider" value={id} />
        <input type="hidden" name="change" value={change} />
        <button type="submit" disabled={disabled} aria-label={`${text}: ${id} (${currency})`}>
          {text}
        </button>
      </PostForm>
    );
    return render(
      c,
      'Settings',
      <>
        <h2>Withdrawal providers</h2>
        {grouped.size === 0 && <p>No providers are configured.</p>}
        {[...grouped].map(([currency, list]) => (
          <table data-currency={currency}>
            <caption>{currency}: tried in this order</caption>
            <thead>
              <tr>
                <th>Priority</th>
                <th>Provider</th>
                <th>State</th>
                <th>Change</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p, i) => (
                <tr data-provider={p.id}>
                  <td>{i + 1}</td>
                  <td class="mono">{p.id}</td>
                  <td>{p.enabled ? 'enabled' : 'disabled'}</td>
                  <td class="actions-row">
                    {button(currency, p.id, 'up', 'Move up', i === 0)}
                    {button(currency, p.id, 'down', 'Move down', i === list.length - 1)}
                    {button(currency, p.id, 'toggle', p.enabled ? 'Disable' : 'Enable')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
        <p>
          Currency limits, fees and confirmations are set through <code>PUT /v1/ops/settings/withdrawals/{'{currency}'}</code> and{' '}
          <code>/v1/ops/settings/transfers/{'{currency}'}</code> for now.
        </p>
      </>,
      { notice: c.req.query('done') === 'providers' ? 'Provider order saved.' : undefined },
    );
  });

  router.post('/providers', async (c) => {
    const form = await parseForm(
      c,
      z.object({ currency: z.string().max(10), provider: z.string().max(40), change: z.enum(['up', 'down', 'toggle']) }),
    );
    const current = (await byCurrency()).get(form.currency);
    if (!current) throw new ApiError(ErrorCode.NotFound, `no providers for ${form.currency}`);
    await setProviderOrder(withdrawals, c.get('operator').id, form.currency, changedOrder(current, form.provider, form.change));
    return c.redirect(`${CONSOLE_BASE}/settings?done=providers`, 303);
  });
}

export const settingsPage: ConsolePage = { path: '/settings', title: 'Settings', roles: OPERATORS, routes };
