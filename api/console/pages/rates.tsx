/**
 * Rates: every priced pair's source (an operator's static price, a formula over other pairs, an exchange's ticker, our
 * own last trade), spread and maximum age, with its mid rate now and who changed it last; and a pair's form, saved
 * through rates' service as PUT /v1/ops/pairs/{pair}/rate-source does (the same checks, the operator recorded). What
 * the service refuses comes back on the form, beside the field at fault.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { DomainError, ErrorCode, type FieldIssue } from '../../../domain/errors.js';
import { formatPercent } from '../../../domain/fees.js';
import { RATE_SOURCE_KINDS, type FormulaLeg, type RateSetting } from '../../../domain/rates/sources.js';
import {
  formatRate,
  RATE_DIGITS,
  loadRateSettings,
  rateSourceChange,
  rateSourceChanges,
  setRateSource,
  type RateSourceInput,
} from '../../../services/rates/client.js';
import type { ApiDeps } from '../../context.js';
import { ApiError } from '../../http/problem.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseInput } from '../forms.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { Confirm, Field, PostForm, Select, when } from '../ui.js';

const PairParam = z.object({
  pair: z.string().regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/, 'must be a pair such as BTC-USDT'),
});
const LEG = /^(1\/)?([A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9})$/;

/** The form's text for each field, as shown and as posted back. */
type FormValues = Record<'kind' | 'rate' | 'legs' | 'exchange' | 'symbol' | 'spread_percent' | 'max_age_seconds', string>;

/** A formula as operators write it: pairs multiplied in order, `1/` before a pair read inverted ("USDT-USD, 1/EUR-USD"). */
const legsText = (legs: FormulaLeg[]) => legs.map((l) => `${l.invert ? '1/' : ''}${l.pair}`).join(', ');

function formValues(s: RateSetting): FormValues {
  return {
    kind: s.source.kind,
    rate: s.source.kind === 'static' ? formatRate(s.source.rate, RATE_DIGITS) : '',
    legs: s.source.kind === 'formula' ? legsText(s.source.legs) : '',
    exchange: s.source.kind === 'external' ? s.source.exchange : '',
    symbol: s.source.kind === 'external' ? s.source.symbol : '',
    spread_percent: formatPercent(s.spreadPpm),
    max_age_seconds: String(s.maxAgeSeconds),
  };
}

/** The posted form as the service's input; what cannot be read at all is refused here, naming its field. */
function sourceInput(pair: string, form: FormValues): RateSourceInput {
  const issues: FieldIssue[] = [];
  const kind = RATE_SOURCE_KINDS.find((k) => k === form.kind);
  if (!kind) issues.push({ path: 'kind', message: `must be one of ${RATE_SOURCE_KINDS.join(', ')}` });
  const legs =
    kind === 'formula'
      ? form.legs
          .split(',')
          .map((text) => text.trim())
          .filter((text) => text !== '')
          .map((text) => LEG.exec(text))
      : [];
  if (legs.some((l) => l === null))
    issues.push({ path: 'legs', message: 'must be pairs separated by commas, "1/" before one read inverted' });
  if (!/^\d{1,6}$/.test(form.max_age_seconds.trim()))
    issues.push({ path: 'max_age_seconds', message: 'must be a whole number of seconds' });
  if (issues.length > 0 || !kind) throw new DomainError(ErrorCode.ValidationFailed, 'the rate source needs correcting', issues);
  return {
    pair,
    kind,
    rate: form.rate.trim(),
    legs: legs.map((l) => ({ pair: l![2]!, invert: l![1] !== undefined })),
    exchange: form.exchange.trim(),
    symbol: form.symbol.trim(),
    spreadPercent: form.spread_percent.trim(),
    maxAgeSeconds: Number(form.max_age_seconds.trim()),
  };
}

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const settingOf = async (pair: string) => {
    const setting = (await loadRateSettings(deps.sql)).find((s) => s.code === pair);
    if (!setting) throw new ApiError(ErrorCode.NotFound, `${pair} is not priced`);
    return setting;
  };

  router.get('/', async (c) => {
    const [settings, changes, rates] = await Promise.all([
      loadRateSettings(deps.sql),
      rateSourceChanges(deps.sql),
      deps.rates.all(),
    ]);
    const rateOf = new Map(rates.map((r) => [r.code, r]));
    return render(
      c,
      'Rates',
      <table class="rates">
        <caption>Priced pairs: where each rate comes from, its spread and how old it may be</caption>
        <thead>
          <tr>
            <th>Pair</th>
            <th>Source</th>
            <th class="num">Spread</th>
            <th class="num">Max age</th>
            <th class="num">Mid rate</th>
            <th>As of</th>
            <th>Changed</th>
          </tr>
        </thead>
        <tbody>
          {settings.map((s) => {
            const rate = rateOf.get(s.code);
            const change = changes.get(s.code);
            const source = s.source;
            return (
              <tr data-pair={s.code}>
                <td>
                  <a href={`${CONSOLE_BASE}/rates/${s.code}`}>{s.code}</a>
                </td>
                <td class="rate-source">
                  {source.kind === 'static'
                    ? `static ${formatRate(source.rate)}`
                    : source.kind === 'formula'
                      ? `formula ${legsText(source.legs)}`
                      : source.kind === 'external'
                        ? `external ${source.exchange} ${source.symbol}`
                        : 'market (last trade)'}
                </td>
                <td class="num">{formatPercent(s.spreadPpm)}%</td>
                <td class="num">{s.maxAgeSeconds} s</td>
                <td class="num">{rate ? formatRate(rate.mid) : '—'}</td>
                <td>{rate?.asOf ? when(rate.asOf) : '—'}</td>
                <td>{change ? `${when(change.at)}${change.by ? ` by ${change.by}` : ''}` : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>,
    );
  });

  /** A pair's rate source form; what a save refused comes back on it as sent, beside the field (refused-form.tsx). */
  const ratePage = async (c: Context<ConsoleEnv>) => {
    const { pair } = parseInput(PairParam, c.req.param());
    const values = formValues(await settingOf(pair));
    return render(
      c,
      `Rate source: ${pair}`,
      <PostForm action={`/rates/${pair}`} csrfToken={c.get('csrfToken')} class="narrow">
        <Select
          name="kind"
          label="Source"
          value={values.kind}
          options={[
            ['static', 'static: an operator’s price'],
            ['formula', 'formula: a chain of other pairs'],
            ['external', 'external: an exchange’s ticker (ccxt)'],
            ['market', 'market: our last trade (spot pairs)'],
          ]}
        />
        <Field name="rate" label="Static rate (quote per one base unit)" value={values.rate} />
        <Field
          name="legs"
          label="Formula legs (pairs multiplied in order, 1/ to invert one)"
          value={values.legs}
          placeholder="USDT-USD, USD-UAH"
        />
        <Field name="exchange" label="Exchange (ccxt id)" value={values.exchange} placeholder="binance" />
        <Field name="symbol" label="Exchange symbol" value={values.symbol} placeholder="BTC/USDT" />
        <Field name="spread_percent" label="Spread (percent)" value={values.spread_percent} />
        <Field name="max_age_seconds" label="Maximum age (seconds)" value={values.max_age_seconds} />
        <Confirm id="rate-source" what={`Change how ${pair} is priced for every quote and conversion`} />
        <button type="submit">Save rate source</button>
      </PostForm>,
      { notice: c.req.query('done') === 'saved' ? 'Rate source saved.' : undefined },
    );
  };
  router.get('/:pair', ratePage);

  router.post(
    '/:pair',
    refusable(ratePage, async (c) => {
      const { pair } = parseInput(PairParam, c.req.param());
      const body = await c.req.parseBody();
      parseInput(z.object({ confirm: Confirmed }), body);
      const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : '');
      const values: FormValues = {
        kind: text('kind'),
        rate: text('rate'),
        legs: text('legs'),
        exchange: text('exchange'),
        symbol: text('symbol'),
        spread_percent: text('spread_percent'),
        max_age_seconds: text('max_age_seconds'),
      };
      await setRateSource(deps, rateSourceChange(sourceInput(pair, values)), c.get('operator').id);
      return c.redirect(`${CONSOLE_BASE}/rates/${pair}?done=saved`, 303);
    }),
  );
}

export const ratesPage: ConsolePage = { path: '/rates', title: 'Rates', roles: OPERATOR_ROLES, routes };
