/**
 * Recomputes every account from the append-only journal and compares with the running sums, and the exchange's order
 * escrow with what open orders and pending triggers hold, in one repeatable-read snapshot so transfers committed
 * meanwhile cannot show up as drift.
 */
import { auditReport, BALANCE_FIELDS, currencyTotals, type AuditReport, type Drift } from '../../domain/audit/report.js';
import type { Sql } from '../../platform/db/client.js';
import { heldFunds } from '../exchange/client.js';
import { ORDER_ESCROW } from '../../domain/exchange/settlement.js';

export async function recomputeLedger(sql: Sql): Promise<AuditReport> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const accounts = await tx`
      with unresolved as (
        select t.* from ledger_transfers t
        where t.kind = 'pending' and not exists (select 1 from ledger_transfers r where r.pending_key = t.key)
      ), movements as (
        select debit_account_id as account_id, amount as dp, 0 as cp, 0 as dpe, 0 as cpe
          from ledger_transfers where kind in ('posted', 'post')
        union all
        select credit_account_id, 0, amount, 0, 0 from ledger_transfers where kind in ('posted', 'post')
        union all
        select debit_account_id, 0, 0, amount, 0 from unresolved
        union all
        select credit_account_id, 0, 0, 0, amount from unresolved
      ), journal as (
        select account_id, sum(dp) as dp, sum(cp) as cp, sum(dpe) as dpe, sum(cpe) as cpe
        from movements group by account_id
      )
      select a.name, a.currency, a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending,
             coalesce(j.dp, 0)::numeric(78, 0) as journal_debits_posted,
             coalesce(j.cp, 0)::numeric(78, 0) as journal_credits_posted,
             coalesce(j.dpe, 0)::numeric(78, 0) as journal_debits_pending,
             coalesce(j.cpe, 0)::numeric(78, 0) as journal_credits_pending
      from ledger_accounts a left join journal j on j.account_id = a.id`;

    const drifts: Drift[] = [];
    for (const row of accounts) {
      for (const field of BALANCE_FIELDS) {
        const stored = row[field] as bigint;
        const journal = row[`journal${field[0]!.toUpperCase()}${field.slice(1)}`] as bigint;
        if (stored !== journal) {
          drifts.push({
            account: row.name,
            currency: row.currency,
            field,
            stored: stored.toString(),
            journal: journal.toString(),
          });
        }
      }
    }

    const mismatched = await tx`
      select t.key, t.currency, a.name, a.currency as account_currency
      from ledger_transfers t
      join ledger_accounts a on a.id in (t.debit_account_id, t.credit_account_id)
      where a.currency <> t.currency`;
    for (const row of mismatched) {
      // the account's currency against the currency of a transfer `key` that touched it
      drifts.push({
        account: `${row.name} (transfer ${row.key})`,
        currency: row.accountCurrency,
        field: 'currency',
        stored: row.accountCurrency,
        journal: row.currency,
      });
    }

    for (const held of await heldFunds(tx)) {
      if (held.ordersHeld === held.escrowPending) continue;
      drifts.push({
        account: ORDER_ESCROW,
        currency: held.currency,
        field: 'heldByOrders',
        stored: held.escrowPending.toString(),
        journal: held.ordersHeld.toString(),
      });
    }

    const totals = await tx`
      select c.code as currency, count(a.id)::int as accounts,
             coalesce(sum(a.credits_posted - a.debits_posted), 0)::numeric(78, 0) as posted_sum,
             coalesce(sum(a.debits_pending), 0)::numeric(78, 0) as pending_debits,
             coalesce(sum(a.credits_pending), 0)::numeric(78, 0) as pending_credits
      from currencies c left join ledger_accounts a on a.currency = c.code
      group by c.code order by c.code`;
    const [{ count }] = (await tx`select count(*)::int as count from ledger_transfers`) as unknown as [{ count: number }];

    return auditReport({
      accountsChecked: accounts.length,
      transfersChecked: count,
      currencies: totals.map((t) =>
        currencyTotals({
          currency: t.currency,
          accounts: t.accounts,
          postedSum: t.postedSum,
          pendingDebits: t.pendingDebits,
          pendingCredits: t.pendingCredits,
        }),
      ),
      drifts,
    });
  });
}
