/**
 * Transactions: XRPL payments of the watched accounts (by hash, ledger, account, destination tag, user, deposit status,
 * date) and EVM deposits (by hash, block, address, user, status, date), newest first, with keyset pagination (never
 * OFFSET), CSV export of everything the filters match, and each deposit's workflow in the Temporal UI.
 */
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import { formatAmount } from '../../../domain/money.js';
import { XRP_SCALE, type DeliveredAmount } from '../../../domain/xrpl-tracking/payments.js';
import { PAYMENT_POSITION, paymentPlace, paymentPosition } from '../../../domain/xrpl-tracking/positions.js';
import { listDeposits, type Deposit, type DepositFilter } from '../../../services/deposits/client.js';
import {
  listPayments,
  type PaymentFilter,
  type PaymentPosition,
  type StoredPayment,
} from '../../../services/xrpl-tracking/client.js';
import { xrplDepositWorkflowId } from '../../../workflows/deposits/xrpl/messages.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, encodeCursor, Positions } from '../../http/pages.js';
import { csvLine, csvResponse } from '../csv.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { optionalText, parseInput } from '../forms.js';
import { amounts, type Amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { DepositWorkflowLinks } from '../deposit-workflows.js';
import { TemporalLink } from '../temporal-ui.js';
import { Field, NextPage, Select, when } from '../ui.js';

const PAGE_SIZE = 50;
const PAYMENT_DEPOSIT_STATUSES = ['matched', 'unknown_tag', 'missing_tag', 'not_xrp', 'unknown_amount'] as const;
const EXPORT_PAGE = 1_000;
/** An export larger than this is cut short: narrow the filters. */
const EXPORT_MAX_ROWS = 100_000;

const Filters = z.object({
  kind: z.enum(['xrpl', 'evm']).default('xrpl'),
  hash: optionalText(
    z.string().regex(/^(0[xX])?[0-9A-Fa-f]{64}$/, 'must be a transaction hash (64 hexadecimal characters, 0x optional)'),
  ),
  ledger_index: optionalText(z.string().regex(/^\d{1,15}$/, 'must be a ledger index')),
  account: optionalText(z.string().max(64)),
  destination_tag: optionalText(z.string().regex(/^\d{1,10}$/, 'must be a destination tag')),
  block: optionalText(z.string().regex(/^\d{1,15}$/, 'must be a block number')),
  user: optionalText(z.uuid()),
  status: z.enum(['', 'pending', 'held', 'credited', 'dropped']).optional(),
  deposit_status: z.enum(['', ...PAYMENT_DEPOSIT_STATUSES]).optional(),
  from: optionalText(z.iso.date()),
  to: optionalText(z.iso.date()),
  cursor: z.string().optional(),
});
type Filters = z.infer<typeof Filters>;

const dayAfter = (date: string) => new Date(Date.parse(date) + 86_400_000);
const dates = (f: Filters) => ({ from: f.from ? new Date(f.from) : undefined, to: f.to ? dayAfter(f.to) : undefined });

/**
 * A hash's 64 digits, however pasted: each kind's filter writes them as its chain does (an EVM hash with `0x`, an
 * XRPL one without, in upper case), so a hash copied from another explorer still matches.
 */
const hashDigits = (f: Filters) => f.hash?.replace(/^0x/i, '');

const xrplFilter = (f: Filters): PaymentFilter => ({
  hash: hashDigits(f)?.toUpperCase(),
  ledgerIndex: f.ledger_index === undefined ? undefined : Number(f.ledger_index),
  account: f.account,
  destinationTag: f.destination_tag === undefined ? undefined : BigInt(f.destination_tag),
  userId: f.user,
  depositStatus: f.deposit_status || undefined,
  ...dates(f),
});

const evmFilter = (f: Filters): DepositFilter => ({
  network: 'evm',
  txHash: f.hash === undefined ? undefined : `0x${hashDigits(f)}`,
  blockNumber: f.block === undefined ? undefined : BigInt(f.block),
  address: f.account,
  userId: f.user,
  status: f.status || undefined,
  ...dates(f),
});

// keyset positions: a payment's (ledger, index), a deposit's id
function delivered(amount: DeliveredAmount | null): string {
  if (!amount) return '—';
  if (amount.kind === 'xrp') return `${formatAmount(amount.drops, XRP_SCALE)} XRP`;
  if (amount.kind === 'issued') return `${amount.value} ${amount.currency}.${amount.issuer}`;
  return `${amount.value} MPT ${amount.mptIssuanceId}`;
}

const PAYMENT_COLUMNS = [
  'hash',
  'ledger_index',
  'closed_at',
  'source',
  'destination',
  'destination_tag',
  'result',
  'delivered',
  'deposit',
];
const paymentCells = (p: StoredPayment) => [
  p.hash,
  p.ledgerIndex,
  when(p.closeTime),
  p.source,
  p.destination,
  p.destinationTag?.toString(),
  p.result,
  delivered(p.delivered),
  p.depositStatus,
];

const DEPOSIT_COLUMNS = ['tx_hash', 'chain', 'detected_at', 'address', 'user_id', 'status', 'amount', 'credited_at'];
const depositCells = (d: Deposit, fmt: Amounts) => [
  d.txHash,
  d.chain,
  when(d.detectedAt),
  d.address,
  d.userId,
  d.status,
  fmt(d.amount, d.currency),
  when(d.creditedAt),
];

function Table(props: {
  caption: string;
  columns: string[];
  rows: Array<Array<string | number | null | undefined>>;
  /** Each row's deposit workflow in the Temporal UI (none for a payment that credited nobody). */
  links: Child[];
}) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((name) => (
            <th>{name.replaceAll('_', ' ')}</th>
          ))}
          <th>workflow</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((cells, row) => (
          <tr>
            {cells.map((value, i) => (
              <td class={i === 0 ? 'mono' : undefined}>{value ?? '—'}</td>
            ))}
            <td>{props.links[row] ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FilterForm(props: { f: Filters }) {
  const { f } = props;
  return (
    <form method="get" action={`${CONSOLE_BASE}/transactions`} class="filters">
      <input type="hidden" name="kind" value={f.kind} />
      <Field name="hash" label="Transaction hash" value={f.hash} />
      {f.kind === 'xrpl' ? (
        <>
          <Field name="ledger_index" label="Ledger index" value={f.ledger_index} />
          <Field name="account" label="Account (source or destination)" value={f.account} />
          <Field name="destination_tag" label="Destination tag" value={f.destination_tag} />
          <Field name="user" label="User id" value={f.user} />
          <Select
            name="deposit_status"
            label="Deposit status"
            value={f.deposit_status}
            options={[['', 'any'], ...PAYMENT_DEPOSIT_STATUSES.map((s): [string, string] => [s, s.replaceAll('_', ' ')])]}
          />
          <Field name="from" label="Closed from (date)" type="date" value={f.from} />
          <Field name="to" label="Closed through (date)" type="date" value={f.to} />
        </>
      ) : (
        <>
          <Field name="block" label="Block number" value={f.block} />
          <Field name="account" label="Deposit address" value={f.account} />
          <Field name="user" label="User id" value={f.user} />
          <Select
            name="status"
            label="Status"
            value={f.status}
            options={[
              ['', 'any'],
              ['pending', 'pending'],
              ['held', 'held'],
              ['credited', 'credited'],
              ['dropped', 'dropped'],
            ]}
          />
          <Field name="from" label="Detected from (date)" type="date" value={f.from} />
          <Field name="to" label="Detected through (date)" type="date" value={f.to} />
        </>
      )}
      <button type="submit">Filter</button>
    </form>
  );
}

/** The query string of these filters (for links: the other page, the export). */
function queryOf(f: Filters): Record<string, string | undefined> {
  const { cursor: _cursor, ...rest } = f;
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
}

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const filtersOf = (c: Context) => parseInput(Filters, c.req.query());
  const ui = deps.settings.console.temporalUi;

  router.get('/', async (c) => {
    const f = filtersOf(c);
    let table;
    let next: string | null = null;
    if (f.kind === 'xrpl') {
      const rows = await listPayments(deps.sql, xrplFilter(f), {
        before: paymentPlace(decodeCursor(f.cursor, PAYMENT_POSITION)),
        limit: PAGE_SIZE + 1,
      });
      const shown = rows.slice(0, PAGE_SIZE);
      if (rows.length > PAGE_SIZE) next = encodeCursor(paymentPosition(shown[shown.length - 1]!));
      table = (
        <Table
          caption="XRPL payments, newest first"
          columns={PAYMENT_COLUMNS}
          rows={shown.map(paymentCells)}
          links={shown.map(
            (p) =>
              p.depositStatus === 'matched' && (
                <TemporalLink ui={ui} attributes={{ WorkflowId: xrplDepositWorkflowId(p.hash) }} label="Deposit" />
              ),
          )}
        />
      );
    } else {
      const [rows, fmt] = await Promise.all([
        listDeposits(deps.sql, evmFilter(f), { before: decodeCursor(f.cursor, Positions.serial), limit: PAGE_SIZE + 1 }),
        amounts(deps),
      ]);
      const shown = rows.slice(0, PAGE_SIZE);
      if (rows.length > PAGE_SIZE) next = encodeCursor(shown[shown.length - 1]!.id);
      table = (
        <Table
          caption="EVM deposits, newest first"
          columns={DEPOSIT_COLUMNS}
          rows={shown.map((d) => depositCells(d, fmt))}
          links={shown.map((d) => (
            <DepositWorkflowLinks ui={ui} deposit={d} />
          ))}
        />
      );
    }
    const query = new URLSearchParams(
      Object.entries(queryOf(f)).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
    );
    return render(
      c,
      'Transactions',
      <>
        <nav class="tabs" aria-label="Kinds">
          <a href={`${CONSOLE_BASE}/transactions?kind=xrpl`} aria-current={f.kind === 'xrpl' ? 'page' : undefined}>
            XRPL payments
          </a>
          <a href={`${CONSOLE_BASE}/transactions?kind=evm`} aria-current={f.kind === 'evm' ? 'page' : undefined}>
            EVM deposits
          </a>
        </nav>
        <FilterForm f={f} />
        <p>
          <a href={`${CONSOLE_BASE}/transactions/export.csv?${query}`}>Export everything these filters match (CSV)</a>
        </p>
        {table}
        <NextPage path="/transactions" query={queryOf(f)} cursor={next} />
      </>,
    );
  });

  router.get('/export.csv', async (c) => {
    const f = filtersOf(c);
    if (f.kind === 'xrpl') {
      const filter = xrplFilter(f);
      return csvResponse(
        c,
        'xrpl-payments.csv',
        PAYMENT_COLUMNS,
        keyset(async (before?: PaymentPosition) => {
          const rows = await listPayments(deps.sql, filter, { before, limit: EXPORT_PAGE });
          const last = rows[rows.length - 1];
          return {
            lines: rows.map((p) => csvLine(paymentCells(p))),
            next: last && { ledgerIndex: last.ledgerIndex, transactionIndex: last.transactionIndex },
          };
        }),
      );
    }
    const filter = evmFilter(f);
    const fmt = await amounts(deps);
    return csvResponse(
      c,
      'evm-deposits.csv',
      DEPOSIT_COLUMNS,
      keyset(async (before?: string) => {
        const rows = await listDeposits(deps.sql, filter, { before, limit: EXPORT_PAGE });
        return { lines: rows.map((d) => csvLine(depositCells(d, fmt))), next: rows[rows.length - 1]?.id };
      }),
    );
  });
}

/** Pages of an export, each after the last one's position, until a short page or the row cap. */
async function* keyset<P>(read: (before?: P) => Promise<{ lines: string[]; next: P | undefined }>): AsyncIterable<string[]> {
  let before: P | undefined;
  for (let rows = 0; rows < EXPORT_MAX_ROWS;) {
    const { lines, next } = await read(before);
    if (lines.length > 0) yield lines;
    rows += lines.length;
    if (lines.length < EXPORT_PAGE || next === undefined) return;
    before = next;
  }
}

export const transactionsPage: ConsolePage = { path: '/transactions', title: 'Transactions', roles: OPERATOR_ROLES, routes };
