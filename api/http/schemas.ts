/** Schemas shared by routes: money as decimal strings, currency codes, idempotency keys, pages, problems. */
import { createHash } from 'node:crypto';
import { ownIdOf, ownOrOrderIdPattern, type OrderPrefix } from '../../domain/orders/ids.js';
import { SYSTEM_KEY_PREFIX } from '../../domain/idempotency-keys.js';
import { z } from '@hono/zod-openapi';
import { WholeNumber } from './whole-numbers.js';

export const DecimalString = z
  .string()
  .max(80)
  .regex(/^\d{1,60}(\.\d{1,60})?$/, 'must be a decimal string such as "12.50"')
  .openapi({ example: '12.50', description: "A decimal amount in the currency's units, at most its scale of decimals" });

export const SignedDecimalString = z
  .string()
  .max(81)
  .regex(/^-?\d{1,60}(\.\d{1,60})?$/, 'must be a decimal string such as "12.50" or "-3.00"')
  .openapi({ example: '-3.00' });

/** An email address: the pattern is the whole check, so the document and the validation agree. */
export const EmailAddress = z
  .string()
  .max(254)
  .regex(
    /^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/,
    'must be an email address',
  )
  .transform((e) => e.toLowerCase())
  .openapi({ example: 'ada@example.com' });

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be a currency code such as "USD"')
  .openapi({ example: 'USD' });

export const PairCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/, 'must be a pair code such as "BTC-USDT"')
  .openapi({ example: 'BTC-USDT' });
/** Keys longer than this are stored as their SHA-256: a feature's prefix plus the key must fit the ledger's 255. */
const STORED_KEY_MAX = 128;

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    // printable ASCII, as the IETF draft and Stripe take it; no space at either end (HTTP would strip it)
    .regex(/^[!-~]([ -~]*[!-~])?$/, 'must be 1-255 printable ASCII characters, without a space at either end')
    // the keys Sluice chooses itself (a fired trigger's order) share the tables of clients' keys
    .refine((key) => !key.startsWith(SYSTEM_KEY_PREFIX), `must not start with ${SYSTEM_KEY_PREFIX} (kept for Sluice's own keys)`)
    .transform((key) => (key.length <= STORED_KEY_MAX ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`))
    .openapi({
      description: `A client-chosen key (1-255 printable ASCII characters, not starting with ${SYSTEM_KEY_PREFIX}): repeating a request with it returns the first result; the same key with a different request is a 409`,
      example: 'order-7781',
    }),
});

/** The response header telling a client that its Idempotency-Key was seen before: this is the first result again. */
export const replayHeaders = (replayed: boolean): Record<string, string> => (replayed ? { 'idempotent-replayed': 'true' } : {});

export const PageQuery = z.object({
  limit: WholeNumber(1, 100n).default('50').transform(Number).openapi({ example: '50' }),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a next_cursor this API returned')
    .optional()
    .openapi({ description: 'next_cursor of the previous page (opaque)' }),
});

/** A page of keyset pagination: the rows and the cursor of the next page (null on the last). */
export const PageOf = <T extends z.ZodTypeAny>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problemDescriptions: Record<number, string> = {
  400: 'Invalid input; errors[] names each field',
  401: 'Not authenticated',
  403: 'Not allowed for this caller',
  404: 'Not found',
  408: 'The request was not completed in time (REQUEST_TIMEOUT)',
  409: 'Conflicts with the current state or an earlier request under the same Idempotency-Key',
  413: 'The body is larger than MAX_BODY_BYTES',
  415: 'The body must be application/json',
  422: 'A business rule refused the request; code names it',
  429: 'Too many attempts or requests of this kind; Retry-After says when to try again',
  503: 'A dependency is unavailable',
};

/** Problem responses for a route's OpenAPI description. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: problemDescriptions[status] ?? 'Error', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { 'application/json': { schema } } } } as const;
}

export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** A `callback_url` any order may carry: its state changes are POSTed there, signed (see GET /v1/orders/callback-secret). */
export const CallbackUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
  .openapi({
    description: "Where this order's state changes are POSTed (signed with the caller's callback secret, retried)",
    example: 'https://shop.example/sluice/callbacks',
  });

/** `{id}` of a kind's route that also takes the order id from the order history (`wd_<uuid>`), as the kind's own id. */
export function OwnOrOrderId(prefix: OrderPrefix) {
  return z
    .string()
    .regex(ownOrOrderIdPattern(prefix))
    .transform((id) => ownIdOf(prefix, id))
    .openapi({ description: `The id, or the order id (\`${prefix}_<id>\`) from the order history` });
}
