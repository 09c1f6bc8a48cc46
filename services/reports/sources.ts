/**
 * Each report type's columns and rows as one SELECT that the server formats itself: amounts as decimal strings in
 * their currency's units (`format_amount` by `currency_units`), times as ISO strings (`iso_utc`). So CSV is PostgreSQL's own COPY output and
 * XLSX reads the same rows through a cursor. COPY takes no parameters: the period is read from the transaction's
 * settings (`sluice.report_from`, `sluice.report_to`, set by `withReportPeriod`), so no value is ever spliced into SQL.
 */
import type { ReportType } from '../../domain/reports/reports.js';

export interface ReportSource {
  columns: string[];
  /** The rows, in the columns' order; counts are integers, everything else text. */
  select: string;
  /** Its rows are the exchange's trades: stored by settlement after the journal batch whose start they carry. */
  readsTrades?: true;
}

const FROM = `current_setting('sluice.report_from')::timestamptz`;
const TO = `current_setting('sluice.report_to')::timestamptz`;

const ledgerEntries: ReportSource = {
  columns: ['id', 'created_at', 'key', 'kind', 'currency', 'amount', 'debit_account', 'credit_account', 'type', 'pending_key'],
  select: `
    select t.id::text as id, iso_utc(t.created_at) as created_at, t.key, t.kind, t.currency,
           format_amount(t.amount, cur.unit) as amount, d.name as debit_account, c.name as credit_account,
           t.metadata ->> 'type' as type, t.pending_key
    from ledger_transfers t
    join currency_units cur on cur.code = t.currency
    join ledger_accounts d on d.id = t.debit_account_id
    join ledger_accounts c on c.id = t.credit_account_id
    where t.created_at >= ${FROM} and t.created_at < ${TO}
    order by t.id`,
};

/**
 * Posted movements of the period per currency: deposits credited, withdrawals paid out, fees earned (what `fees:<c>`
 * received, less what it gave back) and network fees paid (what `fees:network:<chain>` was charged); profit is the two's
 * difference.
 */
const currencySummary: ReportSource = {
  columns: ['currency', 'deposits', 'deposited', 'withdrawals', 'withdrawn', 'fees_earned', 'network_fees', 'profit'],
  select: `
    with moves as (
      select t.currency, t.amount, t.metadata ->> 'type' as type, d.name as debit, c.name as credit
      from ledger_transfers t
      join ledger_accounts d on d.id = t.debit_account_id
      join ledger_accounts c on c.id = t.credit_account_id
      where t.kind in ('posted', 'post') and t.created_at >= ${FROM} and t.created_at < ${TO}
    ), sums as (
      select currency,
        count(*) filter (where type = 'deposit') as deposits,
        coalesce(sum(amount) filter (where type = 'deposit'), 0) as deposited,
        count(*) filter (where type = 'withdrawal_payout') as withdrawals,
        coalesce(sum(amount) filter (where type = 'withdrawal_payout'), 0) as withdrawn,
        coalesce(sum(amount) filter (where credit like 'fees:%' and credit not like 'fees:network:%'), 0)
          - coalesce(sum(amount) filter (where debit like 'fees:%' and debit not like 'fees:network:%'), 0) as fees_earned,
        coalesce(sum(amount) filter (where debit like 'fees:network:%'), 0)
          - coalesce(sum(amount) filter (where credit like 'fees:network:%'), 0) as network_fees
      from moves group by currency
    )
    select c.code as currency, coalesce(s.deposits, 0)::int as deposits, format_amount(coalesce(s.deposited, 0), c.unit) as deposited,
           coalesce(s.withdrawals, 0)::int as withdrawals, format_amount(coalesce(s.withdrawn, 0), c.unit) as withdrawn,
           format_amount(coalesce(s.fees_earned, 0), c.unit) as fees_earned,
           format_amount(coalesce(s.network_fees, 0), c.unit) as network_fees,
           format_amount(coalesce(s.fees_earned, 0) - coalesce(s.network_fees, 0), c.unit) as profit
    from currency_units c left join sums s on s.currency = c.code
    order by c.code`,
};

/**
 * As of the period's end, from the journal: what Sluice owes its users (their posted balances, and payments held on
 * their invoices until those settle: `owed_to_users`, migration 1012) against what it holds
 * (custody accounts are debit-normal: debits less credits). Coverage below zero means custody does not cover users.
 */
const liabilities: ReportSource = {
  columns: ['currency', 'as_of', 'user_balances', 'custody', 'coverage'],
  select: `
    with moves as (
      select t.currency, a.name, t.amount as delta
      from ledger_transfers t join ledger_accounts a on a.id = t.credit_account_id
      where t.kind in ('posted', 'post') and t.created_at < ${TO}
      union all
      select t.currency, a.name, -t.amount
      from ledger_transfers t join ledger_accounts a on a.id = t.debit_account_id
      where t.kind in ('posted', 'post') and t.created_at < ${TO}
    ), sums as (
      select currency,
        coalesce(sum(delta) filter (where owed_to_users(name)), 0) as user_balances,
        -coalesce(sum(delta) filter (where name like 'custody:%'), 0) as custody
      from moves group by currency
    )
    select c.code as currency, iso_utc(${TO}) as as_of,
           format_amount(coalesce(s.user_balances, 0), c.unit) as user_balances,
           format_amount(coalesce(s.custody, 0), c.unit) as custody,
           format_amount(coalesce(s.custody, 0) - coalesce(s.user_balances, 0), c.unit) as coverage
    from currency_units c left join sums s on s.currency = c.code
    order by c.code`,
};

/** Prices are quote per whole base unit; the buyer's fee is in base (what it bought), the seller's in quote. */
const trades: ReportSource = {
  readsTrades: true,
  columns: ['pair', 'trade_id', 'created_at', 'price', 'amount', 'quote_amount', 'taker_side', 'buyer_fee', 'seller_fee'],
  select: `
    select t.pair, t.id::text as trade_id, iso_utc(t.created_at) as created_at, format_amount(t.price, q.unit) as price,
           format_amount(t.amount, b.unit) as amount, format_amount(t.quote_amount, q.unit) as quote_amount,
           t.taker_side, format_amount(t.buyer_fee, b.unit) as buyer_fee, format_amount(t.seller_fee, q.unit) as seller_fee
    from trades t
    join pairs p on p.code = t.pair
    join currency_units b on b.code = p.base
    join currency_units q on q.code = p.quote
    where t.created_at >= ${FROM} and t.created_at < ${TO}
    order by t.no`,
};

const tradeVolume: ReportSource = {
  readsTrades: true,
  columns: ['pair', 'trades', 'base_volume', 'quote_volume', 'base_fees', 'quote_fees'],
  select: `
    select p.code as pair, count(t.id)::int as trades,
           format_amount(coalesce(sum(t.amount), 0), b.unit) as base_volume,
           format_amount(coalesce(sum(t.quote_amount), 0), q.unit) as quote_volume,
           format_amount(coalesce(sum(t.buyer_fee), 0), b.unit) as base_fees,
           format_amount(coalesce(sum(t.seller_fee), 0), q.unit) as quote_fees
    from pairs p
    join currency_units b on b.code = p.base
    join currency_units q on q.code = p.quote
    left join trades t on t.pair = p.code and t.created_at >= ${FROM} and t.created_at < ${TO}
    group by p.code, b.unit, q.unit order by p.code`,
};

export const reportSources: Record<ReportType, ReportSource> = {
  ledger_entries: ledgerEntries,
  currency_summary: currencySummary,
  liabilities,
  trades,
  trade_volume: tradeVolume,
};

/** The source as CSV from COPY: every cell defused as platform/csv.ts does (`csv_safe`), a header line first. */
export function copyCsv(source: ReportSource): string {
  const cells = source.columns.map((c) => `csv_safe(r.${c}::text) as ${c}`).join(', ');
  // offset 0 keeps the select a subquery, so csv_safe reads each cell once instead of computing it twice inlined
  return `copy (select ${cells} from (${source.select} offset 0) r) to stdout with (format csv, header)`;
}
