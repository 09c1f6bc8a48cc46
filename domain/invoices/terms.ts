/** What an invoice's Idempotency-Key stands for: the whole request, normalised so that the stored invoice compares. */
import type { RequestFields } from '../idempotency-keys.js';

export interface InvoiceTerms {
  currency: string;
  amount: bigint;
  /** Distinct codes, sorted: the set the customer may pay in. */
  acceptedCurrencies: string;
  expiresInSeconds: number;
  description: string | null;
  orderId: string | null;
  /** Canonical JSON (`canonicalJson`): PostgreSQL's jsonb gives an object's keys back in its own order. */
  metadata: string;
  callbackUrl: string | null;
  redirectUrl: string | null;
}

export const INVOICE_TERMS: RequestFields<InvoiceTerms> = {
  currency: 'currency',
  amount: 'amount',
  acceptedCurrencies: 'accepted_currencies',
  expiresInSeconds: 'expires_in',
  description: 'description',
  orderId: 'order_id',
  metadata: 'metadata',
  callbackUrl: 'callback_url',
  redirectUrl: 'redirect_url',
};

export const acceptedSet = (codes: string[]) => [...new Set(codes)].sort().join(',');
