/**
 * Settings: every operation's default settings per currency or pair (transfers, withdrawals, deposits, fast exchange:
 * enabled, fees, limits per operation/day/month, confirmations), saved through the settings resolver's service as
 * PUT /v1/ops/settings/{operation}/{subject}/default does (what it refuses comes back on the form, beside the field's
 * input); and the withdrawal providers of each currency in priority order (the first is tried first), moved up or
 * down and switched on or off through withdrawals' client, as PUT /v1/ops/providers does; and the pairs with their
 * current rates, enabled or disabled through rates' client, as PATCH /v1/ops/pairs/{pair} does.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ErrorCode } from '../../../domain/errors.js';
import type { FieldKind } from '../../../domain/settings/fields.js';
import type { SettingValue } from '../../../domain/settings/resolve.js';
import { formatRate, loadRatePairs, switchPair } from '../../../services/rates/client.js';
import { OPERATIONS, saveDefaultLayer } from '../../../services/settings/client.js';
import { providerRoutes, setProviderOrder, type WithdrawalDeps } from '../../../services/withdrawals/client.js';
import type { ApiDeps } from '../../context.js';
import { ApiError, invalidField } from '../../http/problem.js';
import { WholeNumber } from '../../http/whole-numbers.js';
import { readValues, showValues, subjectCurrency } from '../../http/setting-values.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseForm, parseInput } from '../forms.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { Confirm, Field, PostForm, Select } from '../ui.js';

type Route = { id: string; enabled: boolean };
/**
 * What a provider's button asks for: the state or the place (1 is first) the operator saw it should have. Stated, not
 * relative, so a form sent twice (a double click, a page left open while another operator acted) changes nothing more.
 */
type Change = { enabled: boolean } | { position: number };

const ProviderForm = z
  .object({
    currency: z.string().max(10),
    provider: z.string().max(40),
    enabled: z
      .enum(['yes', 'no'])
      .transform((v) => v === 'yes')
      .optional(),
    position: WholeNumber(1, 99n).transform(Number).optional(),
  })
  .refine((f) => (f.enabled === undefined) !== (f.position === undefined), {
    message: 'send either enabled or position',
    path: ['form'],
  });

/** The order after one operator's change: a provider moved to its place, or switched on or off. */
function changedOrder(routes: Route[], id: string, change: Change): Route[] {
  const at = routes.findIndex((r) => r.id === id);
  if (at < 0) throw new ApiError(ErrorCode.NotFound, `no provider ${id} for this currency`);
  if ('enabled' in change) return routes.map((r, i) => (i === at ? { ...r, enabled: change.enabled } : r));
  if (change.position > routes.length) throw invalidField('position', `must be from 1 to ${routes.length}`);
  const next = routes.filter((_, i) => i !== at);
  next.splice(change.position - 1, 0, routes[at]!);
  return next;
}

const OperationQuery = z.object({
  operation: z.enum(Object.keys(OPERATIONS) as [string, ...string[]]),
  subject: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z][A-Z0-9]{1,9}(-[A-Z][A-Z0-9]{1,9})?$/, 'must be a currency code or a pair such as "BTC-USDT"'),
});
const HINTS: Record<FieldKind, string> = {
  flag: '',
  amount: ' (amount)',
  limit: ' (amount; empty: no limit)',
  percent: ' (percent, e.g. 0.25)',
  count: ' (whole number)',
};
const fieldLabel = (field: string, kind: FieldKind) => `${field.replaceAll('_', ' ')}${HINTS[kind]}`;

/** A value as the form shows it: flags yes/no, no limit empty. */
const formText = (value: SettingValue) => (value === true ? 'yes' : value === false ? 'no' : value === null ? '' : String(value));

/** A form's text back to the JSON API's value of its kind: flags yes/no, an empty limit none, counts numbers. */
function formValue(field: string, kind: FieldKind, text: string): SettingValue {
  const value = text.trim();
  if (kind === 'flag') return value === 'yes';
  if (kind === 'limit' && value === '') return null;
  if (kind === 'count') {
    if (!/^\d{1,7}$/.test(value)) throw invalidField(field, 'must be a whole number');
    return Number(value);
  }
  return value;
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

  const operationPath = (operation: string, subject: string) =>
    `${CONSOLE_BASE}/settings/operation?operation=${operation}&subject=${subject}`;

  /** An operation's default settings as a form; what a save refused comes back on it as sent (refused-form.tsx). */
  const operationPage = async (c: Context<ConsoleEnv>) => {
    // opened by a link's query; shown again for a refused save, by the form's own hidden fields
    const named = c.req.method === 'POST' ? await c.req.parseBody() : c.req.query();
    const { operation, subject } = parseInput(OperationQuery, named);
    const settings = OPERATIONS[operation]!;
    const currency = await subjectCurrency(deps, settings, subject);
    const values = showValues(settings.fields, await deps.operationSettings.values(settings, subject, null), currency);
    return render(
      c,
      `Settings: ${operation} of ${subject}`,
      <>
        <p>
          The defaults everyone gets (amounts in {currency.code}); levels, groups and users may override them through{' '}
          <code>
            PUT /v1/ops/settings/{operation}/{subject}/{'{scope}'}/{'{id}'}
          </code>
          .
        </p>
        <PostForm action="/settings/operation" csrfToken={c.get('csrfToken')} class="settings">
          <input type="hidden" name="operation" value={operation} />
          <input type="hidden" name="subject" value={subject} />
          {Object.entries(settings.fields).map(([field, kind]) =>
            kind === 'flag' ? (
              <Select
                name={field}
                label={fieldLabel(field, kind)}
                value={formText(values[field] ?? null)}
                options={[
                  ['yes', 'yes'],
                  ['no', 'no'],
                ]}
              />
            ) : (
              <Field name={field} label={fieldLabel(field, kind)} value={formText(values[field] ?? null)} />
            ),
          )}
          <Confirm id="settings" what={`Save the ${operation} settings of ${subject} for everyone`} />
          <button type="submit">Save settings</button>
        </PostForm>
      </>,
      { notice: c.req.query('done') === 'saved' ? 'Settings saved.' : undefined },
    );
  };
  router.get('/operation', operationPage);

  router.post(
    '/operation',
    refusable(operationPage, async (c) => {
      const body = await c.req.parseBody();
      const { operation, subject } = parseInput(OperationQuery, body);
      const settings = OPERATIONS[operation]!;
      const currency = await subjectCurrency(deps, settings, subject);
      parseInput(z.object({ confirm: Confirmed }), body);
      const given = Object.fromEntries(
        Object.entries(settings.fields).map(([field, kind]) => [field, formValue(field, kind, String(body[field] ?? ''))]),
      );
      await saveDefaultLayer(deps, c.get('operator').id, settings, subject, readValues(settings.fields, given, currency));
      return c.redirect(`${operationPath(operation, subject)}&done=saved`, 303);
    }),
  );

  router.get('/', async (c) => {
    const [grouped, currencies, pairs, rates] = await Promise.all([
      byCurrency(),
      deps.currencies.all(),
      loadRatePairs(deps.sql),
      deps.rates.all(),
    ]);
    const rateOf = new Map(rates.map((r) => [r.code, r]));
    const csrf = c.get('csrfToken');
    const button = (currency: string, id: string, change: Change, text: string, disabled = false) => (
      <PostForm action="/settings/providers" csrfToken={csrf} class="inline">
        <input type="hidden" name="currency" value={currency} />
        <input type="hidden" name="provider" value={id} />
        {'enabled' in change ? (
          <input type="hidden" name="enabled" value={change.enabled ? 'yes' : 'no'} />
        ) : (
          <input type="hidden" name="position" value={String(change.position)} />
        )}
        <button type="submit" disabled={disabled} aria-label={`${text}: ${id} (${currency})`}>
          {text}
        </button>
      </PostForm>
    );
    return render(
      c,
      'Settings',
      <>
        <h2>Operations</h2>
        <form method="get" action={`${CONSOLE_BASE}/settings/operation`} class="filters">
          <Select name="operation" label="Operation" options={Object.keys(OPERATIONS).map((o): [string, string] => [o, o])} />
          <Field name="subject" label="Currency or pair" required placeholder="USDT or BTC-USDT" />
          <button type="submit">Edit settings</button>
        </form>
        <table class="operations">
          <caption>Default settings per operation and currency</caption>
          <thead>
            <tr>
              <th>Currency</th>
              <th>Operations</th>
            </tr>
          </thead>
          <tbody>
            {currencies.map((cur) => (
              <tr>
                <td>{cur.code}</td>
                <td class="actions-row">
                  {Object.keys(OPERATIONS)
                    .filter((o) => o !== 'fast-exchange')
                    .map((o) => (
                      <a href={operationPath(o, cur.code)}>{`${o} of ${cur.code}`}</a>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Pairs and rates</h2>
        <table class="pairs">
          <caption>Pairs: spot trading and fast exchange, with their mid rate now</caption>
          <thead>
            <tr>
              <th>Pair</th>
              <th>State</th>
              <th class="num">Mid rate</th>
              <th>As of</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map((p) => {
              const rate = rateOf.get(p.code);
              return (
                <tr data-pair={p.code}>
                  <td>{rate ? <a href={`${CONSOLE_BASE}/rates/${p.code}`}>{p.code}</a> : p.code}</td>
                  <td class="pair-state">{p.enabled ? 'enabled' : 'disabled'}</td>
                  <td class="num">{rate ? formatRate(rate.mid) : '—'}</td>
                  <td>{rate?.asOf ? rate.asOf.toISOString() : '—'}</td>
                  <td>
                    <PostForm action="/settings/pairs" csrfToken={csrf} class="inline">
                      <input type="hidden" name="pair" value={p.code} />
                      <input type="hidden" name="enabled" value={p.enabled ? 'no' : 'yes'} />
                      <Confirm id={`pair-${p.code}`} what={`${p.enabled ? 'Disable' : 'Enable'} ${p.code}`} />
                      <button type="submit">{p.enabled ? 'Disable pair' : 'Enable pair'}</button>
                    </PostForm>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
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
                    {button(currency, p.id, { position: i }, 'Move up', i === 0)}
                    {button(currency, p.id, { position: i + 2 }, 'Move down', i === list.length - 1)}
                    {button(currency, p.id, { enabled: !p.enabled }, p.enabled ? 'Disable' : 'Enable')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </>,
      { notice: { providers: 'Provider order saved.', pair: 'Pair saved.' }[c.req.query('done') ?? ''] },
    );
  });

  router.post('/pairs', async (c) => {
    const form = await parseForm(
      c,
      z.object({
        confirm: Confirmed,
        pair: z.string().regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/, 'must be a pair such as BTC-USDT'),
        enabled: z.enum(['yes', 'no']),
      }),
    );
    await switchPair(deps, form.pair, form.enabled === 'yes', c.get('operator').id);
    return c.redirect(`${CONSOLE_BASE}/settings?done=pair`, 303);
  });

  router.post('/providers', async (c) => {
    const { currency, provider, enabled, position } = await parseForm(c, ProviderForm);
    const current = (await byCurrency()).get(currency);
    if (!current) throw new ApiError(ErrorCode.NotFound, `no providers for ${currency}`);
    const change: Change = enabled === undefined ? { position: position! } : { enabled };
    await setProviderOrder(withdrawals, c.get('operator').id, currency, changedOrder(current, provider, change));
    return c.redirect(`${CONSOLE_BASE}/settings?done=providers`, 303);
  });
}

export const settingsPage: ConsolePage = { path: '/settings', title: 'Settings', roles: OPERATOR_ROLES, routes };
