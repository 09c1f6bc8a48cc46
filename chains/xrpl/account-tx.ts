/**
 * One page of an account's validated history (`account_tx` with a marker), read into payments (XRP delivered by
 * other transaction types too, deliveries.ts); shared by the
 * backfill (newest first) and the listener's gap fill (oldest first).
 */
import { RippledError, type Client } from 'xrpl';
import type { XrplPayment } from '../../domain/xrpl-tracking/payments.js';
import { fromAccountTxEntry, MalformedTransaction } from './payments.js';
import { transferOf } from './deliveries.js';

export const HISTORY_OUT_OF_REACH =
  "the XRPL server's history does not reach back far enough: payments before it may be missing; point XRPL_URL at a full-history server and resync the account";

/** rippled's ceiling for account_tx pages. */
export const ACCOUNT_TX_PAGE_LIMIT = 400;

export interface AccountTxQuery {
  account: string;
  /** -1: the server's earliest (min) or latest validated (max) ledger. */
  ledgerMin: number;
  ledgerMax: number;
  forward: boolean;
  marker?: unknown;
  limit?: number;
}

export interface AccountTxPage {
  payments: XrplPayment[];
  /** Where the next page starts; undefined on the last page. */
  marker: unknown;
  /** The ledgers the query covers: -1 resolved, and clamped by the server to the history it has. */
  ledgerMin: number;
  ledgerMax: number;
  /** Entries that could not be read, to be logged by the caller. */
  malformed: string[];
}

export async function accountTxPage(client: Client, query: AccountTxQuery): Promise<AccountTxPage> {
  let response;
  try {
    response = await client.request({
      command: 'account_tx',
      account: query.account,
      ledger_index_min: query.ledgerMin,
      ledger_index_max: query.ledgerMax,
      forward: query.forward,
      limit: query.limit ?? ACCOUNT_TX_PAGE_LIMIT,
      ...(query.marker === undefined || query.marker === null ? {} : { marker: query.marker }),
    });
  } catch (error) {
    // an address nobody has funded yet has no history: complete through the latest validated ledger, and none of it
    // out of reach (from the first ledger, when asked from the earliest)
    if (error instanceof RippledError && (error.data as { error?: string } | undefined)?.error === 'actNotFound') {
      const validated = await validatedLedgerIndex(client);
      return {
        payments: [],
        marker: undefined,
        ledgerMin: query.ledgerMin === -1 ? 1 : query.ledgerMin,
        ledgerMax: validated,
        malformed: [],
      };
    }
    throw error;
  }
  const payments: XrplPayment[] = [];
  const malformed: string[] = [];
  for (const entry of response.result.transactions) {
    try {
      const payment = transferOf(fromAccountTxEntry(entry as unknown as Record<string, unknown>));
      if (payment) payments.push(payment);
    } catch (error) {
      if (!(error instanceof MalformedTransaction)) throw error;
      malformed.push(error.message);
    }
  }
  return {
    payments,
    marker: response.result.marker ?? undefined,
    ledgerMin: response.result.ledger_index_min,
    ledgerMax: response.result.ledger_index_max,
    malformed,
  };
}

/**
 * A server without full history clamps the range to what it has: payments between `fromLedger` and its first
 * ledger cannot come from it. Null when the page reaches back far enough.
 */
export function unreachableHistory(fromLedger: number, page: AccountTxPage): { from: number; serverStartsAt: number } | null {
  return fromLedger !== -1 && page.ledgerMin > fromLedger ? { from: fromLedger, serverStartsAt: page.ledgerMin } : null;
}

export async function validatedLedgerIndex(client: Client): Promise<number> {
  const response = await client.request({ command: 'ledger', ledger_index: 'validated' });
  return Number(response.result.ledger_index);
}
