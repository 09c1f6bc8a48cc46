/**
 * Reconciliation's arithmetic: for each custody account and currency, what the chain holds against what the ledger
 * says (custody accounts are assets: debits less credits), and how much of the difference is explained by what is
 * known to be on its way. Amounts are minor units; the report carries them as decimal strings (Temporal payloads).
 */

/** What one custody account holds in one currency, on chain and in the ledger, and the known reasons they differ. */
export interface CustodyPosition {
  account: string;
  currency: string;
  ledger: bigint;
  chain: bigint;
  /**
   * Our own transactions mined on chain whose booking has not happened yet (a sweep not recorded, a payout not
   * settled, gas not booked): what they moved, as seen from this account (negative for the sender). On XRPL also
   * payments validated after the ledger the balance is read at (the listener's checkpoint) and booked already: what
   * the booking moved, with the sign reversed (the ledger holds it, that balance not yet).
   */
  inFlight: bigint;
  /**
   * Deposits seen on chain and not credited yet: EVM ones waiting for their confirmations, XRPL ones recorded (final
   * once validated) while their workflow credits them, for XRPL_CREDIT_BOUND_MS.
   */
  awaitingConfirmations: bigint;
  /**
   * Deposits confirmed on chain and kept uncredited by the deposit settings (`held`: below the minimum, deposits off,
   * above the maximum). They stay in the deposit wallet until credited, so the chain holds them and the ledger not yet.
   */
  held: bigint;
  /** Informational: the part of `chain` still in deposit wallets (credited, not swept). Custody, so no drift. */
  unswept: bigint;
}

export interface DriftLine {
  account: string;
  currency: string;
  ledger: string;
  chain: string;
  /** chain − ledger. */
  drift: string;
  inFlight: string;
  awaitingConfirmations: string;
  held: string;
  unswept: string;
  /** drift less what is explained. */
  unexplained: string;
  /** |unexplained| is above the currency's threshold. */
  alert: boolean;
  /** That threshold, carried for the alert (absent from lines computed before it was). */
  threshold?: string;
}

/**
 * How long a recorded XRPL deposit's credit may be on its way: its workflow credits it at once, in seconds. One
 * uncredited for longer is stuck (its workflow not started, or failing): no longer explained, it is drift and alerts.
 */
export const XRPL_CREDIT_BOUND_MS = 10 * 60_000;

const abs = (v: bigint) => (v < 0n ? -v : v);

export function classifyDrift(position: CustodyPosition, threshold: bigint): DriftLine {
  const drift = position.chain - position.ledger;
  const unexplained = drift - position.inFlight - position.awaitingConfirmations - position.held;
  return {
    account: position.account,
    currency: position.currency,
    ledger: position.ledger.toString(),
    chain: position.chain.toString(),
    drift: drift.toString(),
    inFlight: position.inFlight.toString(),
    awaitingConfirmations: position.awaitingConfirmations.toString(),
    held: position.held.toString(),
    unswept: position.unswept.toString(),
    unexplained: unexplained.toString(),
    alert: abs(unexplained) > threshold,
    threshold: threshold.toString(),
  };
}

/** A custody account or one wallet below what operators expect it to hold. */
export interface BelowMinimum {
  target: string;
  currency: string;
  minimum: string;
  balance: string;
}

/** Checks expected minimums (per account, or per wallet address) against on-chain holdings. */
export function belowMinimums(
  minimums: Array<{ target: string; currency: string; minimum: bigint }>,
  holdings: Map<string, bigint>,
): BelowMinimum[] {
  return minimums
    .map((m) => ({ ...m, balance: holdings.get(holdingKey(m.target, m.currency)) ?? 0n }))
    .filter((m) => m.balance < m.minimum)
    .map((m) => ({ target: m.target, currency: m.currency, minimum: m.minimum.toString(), balance: m.balance.toString() }));
}

/** The key of an account's or a wallet's holding of a currency. */
export const holdingKey = (target: string, currency: string) => `${target}|${currency}`;

/** Sums (account, currency) → amount rows into a map keyed by holdingKey. */
export function sumByHolding(rows: Array<{ target: string; currency: string; amount: bigint }>): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const r of rows) {
    const key = holdingKey(r.target, r.currency);
    sums.set(key, (sums.get(key) ?? 0n) + r.amount);
  }
  return sums;
}

export interface ReconciliationReport {
  ok: boolean;
  lines: DriftLine[];
  belowMinimum: BelowMinimum[];
}

export function reconciliationReport(lines: DriftLine[], belowMinimum: BelowMinimum[]): ReconciliationReport {
  return { ok: lines.every((l) => !l.alert) && belowMinimum.length === 0, lines, belowMinimum };
}

export const externalAccount = (chain: string) => `external:${chain}`;
