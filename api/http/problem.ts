/**
 * One error envelope (RFC 9457 problem+json) and one place mapping error codes to statuses: the switch is
 * exhaustive, so a new code cannot ship without a status.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { assertExhaustive, ErrorCode, type FieldIssue } from '../../domain/errors.js';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A 400 about one field, named as the client sent it. */
export function invalidField(path: string, message: string): ApiError {
  return new ApiError(ErrorCode.ValidationFailed, `${path} ${message}`, [{ path, message }]);
}

/**
 * What the caller asked for, or a 404 saying what is missing. Something the caller may not see (`visible` false) is
 * missing too: a 404, not a 403, so that ids of other users' rows give nothing away. A `false` (a delete or update
 * that matched no row) is missing.
 */
export function found<T>(row: T | null | undefined | false, detail: string, visible: (row: T) => boolean = () => true): T {
  if (row === null || row === undefined || row === false || !visible(row)) throw new ApiError(ErrorCode.NotFound, detail);
  return row;
}

export function statusFor(code: ErrorCode): ContentfulStatusCode {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.MalformedRequest:
    case ErrorCode.UnknownCurrency:
    case ErrorCode.UnknownPair:
    case ErrorCode.InvalidAddress:
      return 400;
    case ErrorCode.Unauthenticated:
    case ErrorCode.RequestReplayed:
    case ErrorCode.TotpRequired:
    case ErrorCode.TotpInvalid:
      return 401;
    case ErrorCode.Forbidden:
    case ErrorCode.IpNotAllowed:
    case ErrorCode.InsufficientScope:
    case ErrorCode.EmailNotVerified:
    case ErrorCode.EmailAddressRequired:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.RequestTimeout:
      return 408;
    case ErrorCode.EmailTaken:
    case ErrorCode.IdempotencyConflict:
    case ErrorCode.Conflict:
    case ErrorCode.PendingAlreadyResolved:
    case ErrorCode.EventFinal:
    case ErrorCode.OrderNotOpen:
    case ErrorCode.DepositNotCancellable:
    case ErrorCode.InvoiceNotPayable:
    case ErrorCode.QuoteExpired:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.CurrencyDisabled:
    case ErrorCode.CurrencyNotPayable:
    case ErrorCode.InsufficientFunds:
    case ErrorCode.AmountBelowMinimum:
    case ErrorCode.AmountAboveMaximum:
    case ErrorCode.DailyLimitExceeded:
    case ErrorCode.LimitExceeded:
    case ErrorCode.SelfTransfer:
    case ErrorCode.RecipientNotFound:
    case ErrorCode.PendingNotFound:
    case ErrorCode.AmountExceedsPending:
    case ErrorCode.CurrencyMismatch:
    case ErrorCode.SameAccount:
    case ErrorCode.DepositsUnsupported:
    case ErrorCode.WithdrawalsUnsupported:
    case ErrorCode.MonthlyLimitExceeded:
    case ErrorCode.ConfirmationCodeInvalid:
    case ErrorCode.ProviderRefused:
    case ErrorCode.DepositNotAssignable:
    case ErrorCode.EventClosed:
    case ErrorCode.EventNotOpen:
    case ErrorCode.PairDisabled:
    case ErrorCode.InventoryInsufficient:
    case ErrorCode.PayoutUnproven:
      return 422;
    case ErrorCode.TooManyAttempts:
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.Unavailable:
    case ErrorCode.RateUnavailable:
      return 503;
    default:
      return assertExhaustive(code);
  }
}

function titleOf(code: string): string {
  const words = code.replace(/_/g, ' ');
  return words[0]!.toUpperCase() + words.slice(1);
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldIssue[];
}

export function problemBody(code: ErrorCode | 'internal_error', detail: string, issues: FieldIssue[] = []): ProblemBody {
  return {
    type: `urn:sluice:problem:${code}`,
    title: code === 'internal_error' ? 'Internal error' : titleOf(code),
    status: code === 'internal_error' ? 500 : statusFor(code),
    code,
    detail,
    ...(issues.length > 0 ? { errors: issues } : {}),
  };
}

export function problemResponse(c: Context, body: ProblemBody, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    ...headers,
  });
}
