/**
 * Business error codes shared by the API, activities and workflows. They are strings, not classes, because
 * Temporal carries failures across processes by their type string (class names get minified in bundles).
 */
export const ErrorCode = {
  ValidationFailed: 'validation_failed',
  MalformedRequest: 'malformed_request',
  UnsupportedMediaType: 'unsupported_media_type',
  NotFound: 'not_found',
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  TotpRequired: 'totp_required',
  TotpInvalid: 'totp_invalid',
  IpNotAllowed: 'ip_not_allowed',
  EmailTaken: 'email_taken',
  UnknownCurrency: 'unknown_currency',
  CurrencyDisabled: 'currency_disabled',
  InsufficientFunds: 'insufficient_funds',
  AmountBelowMinimum: 'amount_below_minimum',
  AmountAboveMaximum: 'amount_above_maximum',
  DailyLimitExceeded: 'daily_limit_exceeded',
  LimitExceeded: 'limit_exceeded',
  SelfTransfer: 'self_transfer',
  RecipientNotFound: 'recipient_not_found',
  IdempotencyConflict: 'idempotency_conflict',
  PendingNotFound: 'pending_not_found',
  PendingAlreadyResolved: 'pending_already_resolved',
  AmountExceedsPending: 'amount_exceeds_pending',
  CurrencyMismatch: 'currency_mismatch',
  SameAccount: 'same_account',
  Conflict: 'conflict',
  DepositsUnsupported: 'deposits_unsupported',
  WithdrawalsUnsupported: 'withdrawals_unsupported',
  InvalidAddress: 'invalid_address',
  MonthlyLimitExceeded: 'monthly_limit_exceeded',
  ConfirmationCodeInvalid: 'confirmation_code_invalid',
  ProviderRefused: 'provider_refused',
  DepositNotAssignable: 'deposit_not_assignable',
  PayloadTooLarge: 'payload_too_large',
  Unavailable: 'unavailable',
  EventClosed: 'event_closed',
  EventNotOpen: 'event_not_open',
  EventFinal: 'event_final',
  UnknownPair: 'unknown_pair',
  PairDisabled: 'pair_disabled',
  OrderNotOpen: 'order_not_open',
  TooManyAttempts: 'too_many_attempts',
  RequestTimeout: 'request_timeout',
  MethodNotAllowed: 'method_not_allowed',
  InsufficientScope: 'insufficient_scope',
  RequestReplayed: 'request_replayed',
  RateLimited: 'rate_limited',
  EmailNotVerified: 'email_not_verified',
  EmailAddressRequired: 'email_address_required',
  InvoiceNotPayable: 'invoice_not_payable',
  RateUnavailable: 'rate_unavailable',
  QuoteExpired: 'quote_expired',
  InventoryInsufficient: 'inventory_insufficient',
  DepositNotCancellable: 'deposit_not_cancellable',
  PayoutUnproven: 'payout_unproven',
  CurrencyNotPayable: 'currency_not_payable',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A field-level complaint about input, with the field's path as the client sent it (`amount`, `body.to_email`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A business rule said no. Carries a stable code; the API turns it into problem+json, workflows into failures. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * A refusal to try again after `retryAfterSeconds` (a 429 with Retry-After): too many failed attempts (sign-in, second
 * factor, password reset), or a request repeated sooner than it may be (`rate_limited`).
 */
export class ThrottledError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code: typeof ErrorCode.TooManyAttempts | typeof ErrorCode.RateLimited = ErrorCode.TooManyAttempts,
  ) {
    super(code, message);
    this.name = 'ThrottledError';
  }
}

/** Compile-time guard for exhaustive switches: adding a union member without handling it fails the build. */
export function assertExhaustive(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
