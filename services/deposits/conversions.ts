/**
 * Deposit auto-conversion: the last step of crediting a deposit. When its user asked for deposits in its currency to
 * be converted, the credited amount is swapped at the current rate with the exchange fee, by fast exchange (keyed by
 * the deposit, so a retried step answers with the swap already made). If it cannot be (no rate, pair disabled,
 * inventory short, limits, the funds already spent) the deposit stays credited in its own currency and the reason is
 * recorded. Either way the outcome is recorded once per deposit.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db, Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import { convertAtCurrentRate, type FastExchangeDeps } from '../fast-exchange/client.js';
import type { Deposit } from './store.js';

export interface ConversionDeps {
  sql: Sql;
  log: Logger;
  currencies: CurrencyCatalog;
  exchange: FastExchangeDeps;
}

export interface DepositConversion {
  depositId: string;
  toCurrency: string;
  status: 'converted' | 'failed';
  amountIn: bigint;
  amountOut: bigint | null;
  reasonCode: string | null;
  reason: string | null;
}

export async function setAutoConversion(db: Db, userId: string, currency: string, toCurrency: string): Promise<void> {
  await db`
    insert into deposit_auto_conversions (user_id, currency, to_currency) values (${userId}, ${currency}, ${toCurrency})
    on conflict (user_id, currency) do update set to_currency = excluded.to_currency, created_at = now()`;
}

export async function removeAutoConversion(db: Db, userId: string, currency: string): Promise<boolean> {
  return (await db`delete from deposit_auto_conversions where user_id = ${userId} and currency = ${currency}`).count > 0;
}

export async function autoConversionsOf(db: Db, userId: string): Promise<Array<{ currency: string; toCurrency: string }>> {
  const rows = await db`select currency, to_currency from deposit_auto_conversions where user_id = ${userId} order by currency`;
  return rows.map((r) => ({ currency: r.currency as string, toCurrency: r.toCurrency as string }));
}

export async function conversionOf(db: Db, depositId: string): Promise<DepositConversion | null> {
  const [r] = await db`select * from deposit_conversions where deposit_id = ${depositId}`;
  return r
    ? {
        depositId: String(r.depositId),
        toCurrency: r.toCurrency as string,
        status: r.status as DepositConversion['status'],
        amountIn: BigInt(r.amountIn as string),
        amountOut: r.amountOut === null ? null : BigInt(r.amountOut as string),
        reasonCode: (r.reasonCode as string | null) ?? null,
        reason: (r.reason as string | null) ?? null,
      }
    : null;
}

async function record(db: Db, c: DepositConversion & { quoteId: string | null }): Promise<void> {
  await db`
    insert into deposit_conversions (deposit_id, to_currency, status, quote_id, amount_in, amount_out, reason_code, reason)
    values (${c.depositId}, ${c.toCurrency}, ${c.status}, ${c.quoteId}, ${c.amountIn.toString()},
            ${c.amountOut?.toString() ?? null}, ${c.reasonCode}, ${c.reason})
    on conflict (deposit_id) do nothing`;
}

/**
 * Converts a credited deposit when its user asked for it; answers the recorded outcome, or null when none applies. A
 * held deposit credited with a later one is converted in that one's sum, never on its own.
 */
export async function convertCreditedDeposit(deps: ConversionDeps, deposit: Deposit): Promise<DepositConversion | null> {
  if (deposit.status !== 'credited' || deposit.invoiceId !== null || deposit.creditedWith !== deposit.id) return null;
  const done = await conversionOf(deps.sql, deposit.id);
  if (done) return done;
  const [wanted] = await deps.sql`
    select to_currency from deposit_auto_conversions where user_id = ${deposit.userId} and currency = ${deposit.currency}`;
  if (!wanted) return null;
  const toCurrency = wanted.toCurrency as string;
  // held deposits credited together with this one (one fee on the total) are converted with it (`credited_with <> id`:
  // read by the index of released deposits)
  const [{ released }] = (await deps.sql`
    select coalesce(sum(amount), 0)::text as released from deposits
    where credited_with = ${deposit.id} and credited_with <> id and status = 'credited'`) as unknown as [{ released: string }];
  const amountIn = deposit.amount + BigInt(released) - (deposit.fee ?? 0n);
  const [from, to] = [await deps.currencies.get(deposit.currency), await deps.currencies.get(toCurrency)];
  const outcome: DepositConversion & { quoteId: string | null } = {
    depositId: deposit.id,
    toCurrency,
    status: 'failed',
    amountIn,
    amountOut: null,
    reasonCode: null,
    reason: null,
    quoteId: null,
  };
  try {
    if (amountIn <= 0n) throw new DomainError(ErrorCode.AmountBelowMinimum, 'nothing left to convert after the deposit fee');
    const swap = await convertAtCurrentRate(deps.exchange, {
      userId: deposit.userId,
      from: from!,
      to: to!,
      amountIn,
      key: `deposit:${deposit.id}:conversion`,
    });
    Object.assign(outcome, { status: 'converted', quoteId: swap.quote.id, amountOut: swap.quote.amountOut });
  } catch (error) {
    // a business refusal is the outcome; anything else (the database) fails the step, which is retried
    if (!(error instanceof DomainError)) throw error;
    Object.assign(outcome, { reasonCode: error.code, reason: error.message });
  }
  await record(deps.sql, outcome);
  deps.log.info(
    { deposit: deposit.id, to: toCurrency, status: outcome.status, reason: outcome.reason },
    outcome.status === 'converted' ? 'deposit converted' : 'deposit not converted; kept in its currency',
  );
  return (await conversionOf(deps.sql, deposit.id))!;
}
