/**
 * The dashboard: payments volume per day and currency over a chosen range (deposits credited, withdrawals paid,
 * invoices paid, spot trades in their base currency, fast-exchange swaps in the currency paid in) as
 * server-drawn charts with their figures in a table; what waits for an operator, with links; liabilities next to
 * custody per currency; the gas keeper's balance and the operators' latest alerts.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { depositVolumeByDay, pendingDepositCount } from '../../../services/deposits/client.js';
import { tradeVolumeByDay } from '../../../services/exchange/client.js';
import { swapVolumeByDay } from '../../../services/fast-exchange/client.js';
import { invoiceVolumeByDay } from '../../../services/invoices/client.js';
import { DailyVolumes } from '../../../services/console/client.js';
import { liabilitiesAndCustody } from '../../../services/ledger/queries.js';
import { notificationsFor } from '../../../services/notifications/client.js';
import { withdrawalCounts, withdrawalVolumeByDay } from '../../../services/withdrawals/client.js';
import { unmatchedPaymentCount } from '../../../services/xrpl-tracking/client.js';
import type { ApiDeps } from '../../context.js';
import { BarChart, type Series } from '../chart.js';
import { gasKeeperView } from '../gas-keeper.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { parseInput } from '../forms.js';
import { amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Select, when } from '../ui.js';

const RANGES = ['7', '30', '90'] as const;
const DAY_MS = 86_400_000;
const ALERTS_SHOWN = 10;

/** The last `count` UTC days, oldest first, ending today. */
function lastDays(count: number, now = Date.now()): string[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

type Volume = Array<{ day: string; currency: string; amount: bigint }>;
const byCurrency = (rows: Volume) => {
  const result = new Map<string, Map<string, bigint>>();
  for (const r of rows) result.set(r.currency, (result.get(r.currency) ?? new Map()).set(r.day, r.amount));
  return result;
};

/** The chart's series: each feature's volume per day and currency. */
const SERIES: Array<{ name: string; colour: string; read: typeof depositVolumeByDay }> = [
  { name: 'deposits', colour: '#1e7a3c', read: depositVolumeByDay },
  { name: 'withdrawals', colour: '#1f5fbf', read: withdrawalVolumeByDay },
  { name: 'invoices', colour: '#8a4fbf', read: invoiceVolumeByDay },
  { name: 'trades', colour: '#c77c02', read: tradeVolumeByDay },
  { name: 'swaps', colour: '#b3261e', read: swapVolumeByDay },
];

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;
  // every series' rows are stamped once and never change after: closed days are kept in Postgres (DailyVolumes)
  const volumes = SERIES.map((s) => ({ ...s, days: new DailyVolumes(deps.sql, s.name, (range) => s.read(deps.sql, range)) }));

  router.get('/', async (c) => {
    const { days: range } = parseInput(z.object({ days: z.enum(RANGES).default('30') }), c.req.query());
    const days = lastDays(Number(range));
    const [series, counts, pending, unmatched, books, alerts, { chain, gas, native }, fmt] = await Promise.all([
      Promise.all(volumes.map(async (v) => ({ ...v, by: byCurrency(await v.days.of(days)) }))),
      withdrawalCounts(deps.sql, ['awaiting_approval', 'failed_awaiting_operator']),
      pendingDepositCount(deps.sql),
      unmatchedPaymentCount(deps.sql),
      liabilitiesAndCustody(deps.sql),
      notificationsFor(deps.sql, null, { limit: ALERTS_SHOWN }),
      gasKeeperView(deps),
      amounts(deps),
    ]);
    const currencies = [...new Set(series.flatMap((s) => [...s.by.keys()]))].sort();
    const waiting: Array<[string, number, string]> = [
      ['Withdrawals awaiting approval', counts.get('awaiting_approval') ?? 0, '/withdrawals?status=awaiting_approval'],
      [
        'Withdrawals failed, awaiting an operator',
        counts.get('failed_awaiting_operator') ?? 0,
        '/withdrawals?status=failed_awaiting_operator',
      ],
      ['XRPL deposits that matched no user', unmatched, '/transactions?kind=xrpl'],
      ['EVM deposits waiting for confirmations', pending, '/transactions?kind=evm&status=pending'],
    ];
    return render(
      c,
      'Dashboard',
      <>
        <h2>Waiting for an operator</h2>
        <div class="cards">
          {waiting.map(([what, count, path]) => (
            <a class="card" href={`${CONSOLE_BASE}${path}`}>
              <strong>{count}</strong>
              {what}
            </a>
          ))}
        </div>
        <p>
          <TemporalLink
            ui={ui}
            attributes={{ SluiceKind: 'withdrawal', ApprovalState: 'pending' }}
            label="Withdrawals awaiting approval"
          />
        </p>

        <h2>Volume per day</h2>
        <form method="get" action={`${CONSOLE_BASE}/dashboard`} class="inline">
          <Select name="days" label="Range" value={range} options={RANGES.map((r) => [r, `last ${r} days`])} />
          <button type="submit">Show</button>
        </form>
        {currencies.length === 0 && <p>No money moved in this range.</p>}
        {currencies.map((code) => {
          const lines: Series[] = series.map((s) => ({ name: s.name, colour: s.colour, values: s.by.get(code) ?? new Map() }));
          const active = days.filter((day) => lines.some((s) => s.values.has(day)));
          return (
            <section class="volume" data-currency={code}>
              <h3>{code}</h3>
              <BarChart title={`${code} volume per day`} days={days} series={lines} format={(v) => fmt(v, code)} />
              <table>
                <caption>{code} volume on the days that had any</caption>
                <thead>
                  <tr>
                    <th>Day</th>
                    {SERIES.map((s) => (
                      <th class="num">{s.name}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {active.map((day) => (
                    <tr data-day={day}>
                      <td>{day}</td>
                      {lines.map((s) => (
                        <td class="num">{fmt(s.values.get(day) ?? 0n, code)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          );
        })}

        <h2>Liabilities and custody</h2>
        <table>
          <caption>What users are owed, next to what the wallets hold by the books</caption>
          <thead>
            <tr>
              <th>Currency</th>
              <th class="num">Liabilities (user balances)</th>
              <th class="num">Custody</th>
              <th class="num">Custody − liabilities</th>
            </tr>
          </thead>
          <tbody>
            {books.map((b) => (
              <tr>
                <td>{b.currency}</td>
                <td class="num">{fmt(b.liabilities, b.currency)}</td>
                <td class="num">{fmt(b.custody, b.currency)}</td>
                <td class="num">{fmt(b.custody - b.liabilities, b.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2>Gas keeper</h2>
        {gas ? (
          <p>
            {chain}: balance {gas.balance === null ? 'not read yet' : fmt(BigInt(gas.balance), native)}
            {gas.low ? ' — LOW, fund it' : ''}; {gas.queue.length} funding requests queued, {gas.openSends} sends open; checked{' '}
            {gas.checkedAt ?? 'never'}. <TemporalLink ui={ui} attributes={{ SluiceKind: 'gas-keeper' }} label="Gas keeper" />
          </p>
        ) : (
          <p>No gas keeper answers{chain ? ` on ${chain}` : ' (no EVM chain configured)'}.</p>
        )}

        <h2>Alerts</h2>
        {alerts.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul>
            {alerts.map((a) => (
              <li>
                {when(a.createdAt)} <strong>{a.severity}</strong> {a.title}
              </li>
            ))}
          </ul>
        )}
      </>,
    );
  });
}

export const dashboardPage: ConsolePage = { path: '/dashboard', title: 'Dashboard', roles: OPERATOR_ROLES, routes };
