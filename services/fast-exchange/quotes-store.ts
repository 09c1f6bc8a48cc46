/** Fast-exchange quotes (exchange_quotes): written in batches (a quote is a hot-path insert), read by id. */
import type { AcceptedQuote } from '../../domain/fast-exchange/ledger.js';
import type { Rate } from '../../domain/rates/rate.js';
import { BatchQueue } from '../../platform/db/batch-queue.js';
import type { Db, Sql } from '../../platform/db/client.js';

/** A quote's swap terms (domain/fast-exchange/ledger.ts) with the rate it was priced at and its lifetime. */
export interface StoredQuote extends AcceptedQuote {
  /** Whole target units per whole source unit, spread included. */
  rate: Rate;
  expiresAt: Date;
  createdAt: Date;
}

/**
 * Quotes arriving together are inserted in one statement (group commit, platform/db/batch-queue.ts). A quote is
 * immutable, and most are accepted by the process that made them within seconds: this process's quotes are kept in
 * memory until they expire (at most `maxKept`), so their accept reads no row; any other is read from the table.
 */
export class QuoteWriter {
  private readonly queue: BatchQueue<StoredQuote, void>;
  private readonly kept = new Map<string, StoredQuote>();

  constructor(
    private readonly sql: Sql,
    maxBatch = 500,
    private readonly maxKept = 100_000,
  ) {
    this.queue = new BatchQueue<StoredQuote, void>(async (quotes) => {
      await insertQuotes(sql, quotes);
      return quotes.map((): void => undefined);
    }, maxBatch);
  }

  async save(quote: StoredQuote): Promise<void> {
    await this.queue.submit(quote);
    this.kept.set(quote.id, quote);
    // insertion order is creation order: the oldest go first, expired or beyond the cap
    for (const [id, kept] of this.kept) {
      if (this.kept.size <= this.maxKept && kept.expiresAt.getTime() > Date.now()) break;
      this.kept.delete(id);
    }
  }

  /** The quote, from memory if this process made it and it has not expired, else from the table. */
  async find(id: string): Promise<StoredQuote | null> {
    return this.kept.get(id) ?? quoteById(this.sql, id);
  }
}

async function insertQuotes(db: Db, quotes: StoredQuote[]): Promise<void> {
  const column = <T>(pick: (q: StoredQuote) => T) => db.array(quotes.map(pick) as never[]);
  await db`
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
    on conflict (id) do nothing`;
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
