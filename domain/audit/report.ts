/** What a ledger audit reports: per-currency zero sums and every account whose running sums disagree with the journal. */

export const BALANCE_FIELDS = ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const;
export type BalanceField = (typeof BALANCE_FIELDS)[number];

/** Amounts are decimal strings of minor units: the report travels through Temporal payloads and JSON. */
export interface CurrencyTotals {
  currency: string;
  accounts: number;
  /** Sum over accounts of credits − debits posted: zero when the books balance. */
  postedSum: string;
  pendingDebits: string;
  pendingCredits: string;
  balanced: boolean;
}

export interface Drift {
  account: string;
  currency: string;
  /** `heldByOrders`: the order escrow's pending credits (stored) against what open orders and triggers hold (journal). */
  field: BalanceField | 'currency' | 'heldByOrders';
  stored: string;
  journal: string;
}

/**
 * A drift's field as answers and the console name it, snake_case as the whole API; reports keep the names they were
 * stored with (and every stored one has), so each renders through this one map.
 */
export const DRIFT_FIELD_NAMES = {
  debitsPosted: 'debits_posted',
  creditsPosted: 'credits_posted',
  debitsPending: 'debits_pending',
  creditsPending: 'credits_pending',
  currency: 'currency',
  heldByOrders: 'held_by_orders',
} as const satisfies Record<Drift['field'], string>;

export interface AuditReport {
  ok: boolean;
  accountsChecked: number;
  transfersChecked: number;
  currencies: CurrencyTotals[];
  drifts: Drift[];
}

export function currencyTotals(row: {
  currency: string;
  accounts: number;
  postedSum: bigint;
  pendingDebits: bigint;
  pendingCredits: bigint;
}): CurrencyTotals {
  return {
    currency: row.currency,
    accounts: row.accounts,
    postedSum: row.postedSum.toString(),
    pendingDebits: row.pendingDebits.toString(),
    pendingCredits: row.pendingCredits.toString(),
    balanced: row.postedSum === 0n && row.pendingDebits === row.pendingCredits,
  };
}

export function auditReport(parts: Omit<AuditReport, 'ok'>): AuditReport {
  return { ok: parts.drifts.length === 0 && parts.currencies.every((c) => c.balanced), ...parts };
}
