/**
 * Each report type's columns and rows, read from Postgres through a cursor a batch at a time: a report of a million
 * ledger entries never holds more than one batch. Amounts leave as decimal strings in their currency's units.
 */
import type { ReportPeriod, ReportType } from '../../domain/reports/reports.js';
import { formatAmount } from '../../domain/money.js';
import type { Sql } from '../../platform/db/client.js';

export type ReportCell = string | number | null;

export interface ReportSource {
  columns: string[];
  /** Rows in batches of at most `batchSize`. */
  batches(sql: Sql, period: ReportPeriod, batchSize: number): AsyncIterable<ReportCell[][]>;
}

type Row = Record<string, unknown>;

async function scales(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql`select code, scale from currencies`;
  return new Map(rows.map((r) => [r.code as string, r.scale as number]));
}

/** Maps every batch a cursor yields: the SQL's rows to report rows. */
async function* mapped(cursor: AsyncIterable<Row[]>, toCells: (row: Row) => ReportCell[]): AsyncIterable<ReportCell[][]> {
  for await (const rows of cursor) yield rows.map(toCells);
}

const iso = (value: unknown) => (value as Date).toISOString();

const ledgerEntries: ReportSource = {
  columns: ['id', 'created_at', 'key', 'kind', 'currency', 'amount', 'debit_account', 'credit_account', 'type', 'pending_key'],
  async *batches(sql, period, batchSize) {
    const scale = await scales(sql);
    const cursor = sql`
      select t.id, t.created_at, t.key, t.kind, t.currency, t.amount, d.name as debit, c.name as credit,
             t.metadata ->> 'type' as type, t.pending_key
      from ledger_transfers t
      join ledger_accounts d on d.id = t.debit_account_id
      join ledger_accounts c on c.id = t.credit_account_id
      where t.created_at >= ${period.from} and t.created_at < ${period.to}
      order by t.id`.cursor(batchSize);
    yield* mapped(cursor, (r) => [
      String(r.id),
      iso(r.createdAt),
      r.key as string,
      r.kind as string,
      r.currency as string,
      formatAmount(r.amount as bigint, scale.get(r.currency as string)!),
      r.debit as string,
      r.credit as string,
      (r.type as string | null) ?? null,
      (r.pendingKey as string | null) ?? null,
    ]);
  },
};

/**
 * Posted movements of the period per currency: deposits credited, withdrawals paid out, fees earned (what `fees:<c>`
 * received, less what it gave back) and network fees paid (what `fees:network:<chain>` was charged); profit is the two's
 * difference.
 */
const currencySummary: ReportSource = {
  columns: ['currency', 'deposits', 'deposited', 'withdrawals', 'withdrawn', 'fees_earned', 'network_fees', 'profit'],
  async *batches(sql, period, batchSize) {
    const scale = await scales(sql);
    const cursor = sql`
      with moves as (
        select t.currency, t.amount, t.metadata ->> 'type' as type, d.name as debit, c.name as credit
        from ledger_transfers t
        join ledger_accounts d on d.id = t.debit_account_id
        join ledger_accounts c on c.id = t.credit_account_id
        where t.kind in ('posted', 'post') and t.created_at >= ${period.from} and t.created_at < ${period.to}
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
      select c.code as currency, coalesce(s.deposits, 0)::int as deposits, coalesce(s.deposited, 0)::numeric(78, 0) as deposited,
             coalesce(s.withdrawals, 0)::int as withdrawals, coalesce(s.withdrawn, 0)::numeric(78, 0) as withdrawn,
             coalesce(s.fees_earned, 0)::numeric(78, 0) as fees_earned, coalesce(s.network_fees, 0)::numeric(78, 0) as network_fees
      from currencies c left join sums s on s.currency = c.code
      order by c.code`.cursor(batchSize);
    yield* mapped(cursor, (r) => {
      const amount = (v: unknown) => formatAmount(v as bigint, scale.get(r.currency as string)!);
      return [
        r.currency as string,
        r.deposits as number,
        amount(r.deposited),
        r.withdrawals as number,
        amount(r.withdrawn),
        amount(r.feesEarned),
        amount(r.networkFees),
        amount((r.feesEarned as bigint) - (r.networkFees as bigint)),
      ];
    });
  },
};

/**
 * As of the period's end, from the journal: what Sluice owes its users (their posted balances) against what it holds
 * (custody accounts are debit-normal: debits less credits). Coverage below zero means custody does not cover users.
 */
const liabilities: ReportSource = {
  columns: ['currency', 'as_of', 'user_balances', 'custody', 'coverage'],
  async *batches(sql, period, batchSize) {
    const scale = await scales(sql);
    const cursor = sql`
      with moves as (
        select t.currency, a.name, t.amount as delta
        from ledger_transfers t join ledger_accounts a on a.id = t.credit_account_id
        where t.kind in ('posted', 'post') and t.created_at < ${period.to}
        union all
        select t.currency, a.name, -t.amount
        from ledger_transfers t join ledger_accounts a on a.id = t.debit_account_id
        where t.kind in ('posted', 'post') and t.created_at < ${period.to}
      ), sums as (
        select currency,
          coalesce(sum(delta) filter (where name like 'user:%'), 0) as user_balances,
          -coalesce(sum(delta) filter (where name like 'custody:%'), 0) as custody
        from moves group by currency
      )
      select c.code as currency, coalesce(s.user_balances, 0)::numeric(78, 0) as user_balances,
             coalesce(s.custody, 0)::numeric(78, 0) as custody
      from currencies c left join sums s on s.currency = c.code
      order by c.code`.cursor(batchSize);
    yield* mapped(cursor, (r) => {
      const amount = (v: bigint) => formatAmount(v, scale.get(r.currency as string)!);
      const owed = r.userBalances as bigint;
      const held = r.custody as bigint;
      return [r.currency as string, period.to, amount(owed), amount(held), amount(held - owed)];
    });
  },
};

/** Prices are quote per whole base unit; the buyer's fee is in base (what it bought), the seller's in quote. */
const trades: ReportSource = {
  columns: ['pair', 'trade_id', 'created_at', 'price', 'amount', 'quote_amount', 'taker_side', 'buyer_fee', 'seller_fee'],
  async *batches(sql, period, batchSize) {
    const scale = await scales(sql);
    const cursor = sql`
      select t.pair, t.id, t.created_at, t.price, t.amount, t.quote_amount, t.taker_side, t.buyer_fee, t.seller_fee,
             p.base, p.quote
      from trades t join pairs p on p.code = t.pair
      where t.created_at >= ${period.from} and t.created_at < ${period.to}
      order by t.no`.cursor(batchSize);
    yield* mapped(cursor, (r) => {
      const base = scale.get(r.base as string)!;
      const quote = scale.get(r.quote as string)!;
      return [
        r.pair as string,
        String(r.id),
        iso(r.createdAt),
        formatAmount(r.price as bigint, quote),
        formatAmount(r.amount as bigint, base),
        formatAmount(r.quoteAmount as bigint, quote),
        r.takerSide as string,
        formatAmount(r.buyerFee as bigint, base),
        formatAmount(r.sellerFee as bigint, quote),
      ];
    });
  },
};

const tradeVolume: ReportSource = {
  columns: ['pair', 'trades', 'base_volume', 'quote_volume', 'base_fees', 'quote_fees'],
  async *batches(sql, period, batchSize) {
    const scale = await scales(sql);
    const cursor = sql`
      select p.code as pair, p.base, p.quote, count(t.id)::int as trades,
             coalesce(sum(t.amount), 0)::numeric(78, 0) as base_volume,
             coalesce(sum(t.quote_amount), 0)::numeric(78, 0) as quote_volume,
             coalesce(sum(t.buyer_fee), 0)::numeric(78, 0) as base_fees,
             coalesce(sum(t.seller_fee), 0)::numeric(78, 0) as quote_fees
      from pairs p
      left join trades t on t.pair = p.code and t.created_at >= ${period.from} and t.created_at < ${period.to}
      group by p.code order by p.code`.cursor(batchSize);
    yield* mapped(cursor, (r) => {
      const base = scale.get(r.base as string)!;
      const quote = scale.get(r.quote as string)!;
      return [
        r.pair as string,
        r.trades as number,
        formatAmount(r.baseVolume as bigint, base),
        formatAmount(r.quoteVolume as bigint, quote),
        formatAmount(r.baseFees as bigint, base),
        formatAmount(r.quoteFees as bigint, quote),
      ];
    });
  },
};

export const reportSources: Record<ReportType, ReportSource> = {
  ledger_entries: ledgerEntries,
  currency_summary: currencySummary,
  liabilities,
  trades,
  trade_volume: tradeVolume,
};
