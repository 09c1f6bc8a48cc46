/** Fast-exchange quotes (exchange_quotes): written in batches (a quote is a hot-path insert), read by id. */
import type { AcceptedQuote } from '../../domain/fast-exchange/ledger.js';
import type { Rate } from '../../domain/rates/rate.js';
import { BatchQueue } from '../../platform/db/batch-queue.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { linkOrderCallbacks, orderHasCallback, orderId, type OrderCallback } from '../orders/client.js';
import { toDayVolumes, type DayVolume } from '../../platform/db/volume-by-day.js';

/** A quote's swap terms (domain/fast-exchange/ledger.ts) with the rate it was priced at and its lifetime. */
export interface StoredQuote extends AcceptedQuote {
  /** Whole target units per whole source unit, spread included. */
  rate: Rate;
  expiresAt: Date;
  createdAt: Date;
}

/**
 * Quotes arriving together are inserted in one statement (group commit, platform/db/batch-queue.ts), committed
 * without waiting on the disk (see the constructor). A quote is
 * immutable, and most are accepted by the process that made them within seconds: this process's quotes are kept in
 * memory until they expire (at most `maxKept`), so their accept reads no row; any other is read from the table.
 */
/** A quote to store, and the callback linked to it in the same transaction (told once the quote is accepted). */
interface QuoteToSave {
  quote: StoredQuote;
  callback: OrderCallback | undefined;
}

export class QuoteWriter {
  private readonly queue: BatchQueue<QuoteToSave, boolean>;
  private readonly kept = new Map<string, QuoteToSave>();

  constructor(
    private readonly sql: Sql,
    maxBatch = 500,
    private readonly maxKept = 100_000,
  ) {
    this.queue = new BatchQueue<QuoteToSave, boolean>(async (batch) => {
      // a quote is an offer, not a money movement: its batch does not wait for the WAL's flush (the swap's own commit
      // does, and flushes the WAL up to it, quote included, so no swap outlives its quote). A crash of the database
      // can lose only the offers of the last moments nobody accepted: accepting one answers 404, the client asks again
      // (its callbacks' links with it: a swap's commit flushes them too)
      const callbacks = batch.flatMap(({ quote, callback }) =>
        callback ? [{ id: orderId('ex', quote.id), userId: quote.userId, callback }] : [],
      );
      const [, inserted] = await sql.begin((tx) =>
        Promise.all([
          tx`set local synchronous_commit = off`,
          insertQuotes(
            tx,
            batch.map((q) => q.quote),
          ),
          linkOrderCallbacks(tx, callbacks),
        ]),
      );
      // of two quotes with one id in a batch, the first is stored (the insert takes its rows in order)
      return batch.map(({ quote }) => inserted.delete(quote.id));
    }, maxBatch);
  }

  /**
   * Stores the quote and answers the quote stored under its id: this one, or, when its id is taken (a repeat's or a
   * conversion's, derived from a key, which a request racing this one used too), the quote stored first.
   */
  async save(quote: StoredQuote, callback?: OrderCallback): Promise<StoredQuote> {
    const saving = { quote, callback };
    if (!(await this.queue.submit(saving))) return (await this.find(quote.id))!;
    this.kept.set(quote.id, saving);
    // insertion order is creation order: the oldest go first, expired or beyond the cap
    for (const [id, kept] of this.kept) {
      if (this.kept.size <= this.maxKept && kept.quote.expiresAt.getTime() > Date.now()) break;
      this.kept.delete(id);
    }
    return quote;
  }

  /** The quote, from memory if this process made it and it has not expired, else from the table. */
  async find(id: string): Promise<StoredQuote | null> {
    return this.kept.get(id)?.quote ?? quoteById(this.sql, id);
  }

  /** Whether a callback is linked to the quote: known in memory for this process's quotes (linked as saved), else read. */
  async hasCallback(id: string): Promise<boolean> {
    const kept = this.kept.get(id);
    return kept ? kept.callback !== undefined : orderHasCallback(this.sql, orderId('ex', id));
  }
}

/** Inserts the quotes whose id is free; answers the ids inserted. */
async function insertQuotes(db: Db, quotes: StoredQuote[]): Promise<Set<string>> {
  const column = <T>(pick: (q: StoredQuote) => T) => db.array(quotes.map(pick) as never[]);
  const inserted = await db`
    insert into exchange_quotes (id, user_id, pair, from_currency, to_currency, amount_in, fee, amount_out, rate_num, rate_den,
                                 base_amount, expires_at, created_at)
    select * from unnest(
      ${column((q) => q.id)}::uuid[], ${column((q) => q.userId)}::uuid[], ${column((q) => q.pair)}::text[],
      ${column((q) => q.from)}::text[], ${column((q) => q.to)}::text[], ${column((q) => q.amountIn.toString())}::numeric[],
      ${column((q) => q.fee.toString())}::numeric[], ${column((q) => q.amountOut.toString())}::numeric[],
      ${column((q) => q.rate.num.toString())}::numeric[], ${column((q) => q.rate.den.toString())}::numeric[],
      ${column((q) => q.baseAmount.toString())}::numeric[], ${column((q) => q.expiresAt.toISOString())}::timestamptz[],
      ${column((q) => q.createdAt.toISOString())}::timestamptz[])
    -- a repeated quote's id is derived from its Idempotency-Key (repeatQuote): two at once must not fail the batch
    on conflict (id) do nothing
    returning id`;
  return new Set(inserted.map((r) => r.id as string));
}

export async function quoteById(db: Db, id: string): Promise<StoredQuote | null> {
  const [r] = await db`
    select id, user_id, pair, from_currency, to_currency, amount_in, fee, amount_out, rate_num, rate_den, base_amount,
           expires_at, created_at
    from exchange_quotes where id = ${id}`;
  if (!r) return null;
  return {
    id: r.id,
    userId: r.userId,
    pair: r.pair,
    from: r.fromCurrency,
    to: r.toCurrency,
    amountIn: r.amountIn,
    fee: r.fee,
    amountOut: r.amountOut,
    rate: { num: r.rateNum, den: r.rateDen },
    baseAmount: r.baseAmount,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
  };
}

/**
 * Swaps per UTC day and the currency paid in (what users gave, fee included), for the operators' dashboard: the quotes
 * that were accepted, which is their ledger group's `in` transfer existing (domain/fast-exchange/ledger.ts's swapKeys).
 * A quote lives for seconds, so it is counted on the day it was quoted.
 */
export async function swapVolumeByDay(db: Db, range: { from: Date; to: Date }): Promise<DayVolume[]> {
  const rows = await db`
    select (q.created_at at time zone 'UTC')::date::text as day, q.from_currency as currency, sum(q.amount_in)::text as amount,
      count(*)::int as n
    from exchange_quotes q
    where q.created_at >= ${range.from} and q.created_at < ${range.to}
      and exists (select 1 from ledger_transfers t where t.key = 'fast-exchange:' || q.id || ':in')
    group by 1, 2 order by 1, 2`;
  return toDayVolumes(rows);
}
