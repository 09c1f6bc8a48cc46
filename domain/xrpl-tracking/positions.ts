/**
 * Where XRPL lists are paged from, as their cursors carry it: an account by its classic address, a payment by its
 * place in ledger order ("ledger.transaction").
 */

/** A classic address's shape (its checksum aside). */
export const CLASSIC_ADDRESS = /^r[1-9A-HJ-NP-Za-km-z]{24,34}$/;

export const PAYMENT_POSITION = /^(\d{1,15})\.(\d{1,9})$/;

export interface LedgerPlace {
  ledgerIndex: number;
  transactionIndex: number;
}

export const paymentPosition = (p: LedgerPlace): string => `${p.ledgerIndex}.${p.transactionIndex}`;

/** A position of PAYMENT_POSITION's shape as a place in ledger order (none: none). */
export function paymentPlace(position: string | undefined): LedgerPlace | undefined {
  if (position === undefined) return undefined;
  const [, ledgerIndex, transactionIndex] = PAYMENT_POSITION.exec(position)!;
  return { ledgerIndex: Number(ledgerIndex), transactionIndex: Number(transactionIndex) };
}
