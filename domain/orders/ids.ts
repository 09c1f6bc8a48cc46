/**
 * One id space for every order a user starts: the kind's own id behind a prefix that names it (`wd_<uuid>`,
 * `bet_<n>`). The prefix says where the order lives, so a lookup by id reads one kind, never all of them.
 */

export const ORDER_TYPES = [
  'deposit',
  'withdrawal',
  'transfer',
  'exchange',
  'invoice',
  'invoice_payment',
  'bet',
  'trade',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

/** The common status every kind maps its own to (the kind's own is the order's `state`). */
export const ORDER_STATUSES = ['pending', 'completed', 'failed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SERIAL = '[1-9][0-9]{0,18}';

/** Prefix → the order's type and the shape of the kind's own id (a trade order is a spot order or a trigger order). */
const PREFIXES = {
  dep: { type: 'deposit', key: SERIAL },
  wd: { type: 'withdrawal', key: UUID },
  tr: { type: 'transfer', key: SERIAL },
  ex: { type: 'exchange', key: UUID },
  inv: { type: 'invoice', key: UUID },
  /** A payment to an invoice from the payer's balance (the invoice is its merchant's order). */
  ipay: { type: 'invoice_payment', key: SERIAL },
  bet: { type: 'bet', key: SERIAL },
  ord: { type: 'trade', key: SERIAL },
  trg: { type: 'trade', key: SERIAL },
} as const satisfies Record<string, { type: OrderType; key: string }>;

export type OrderPrefix = keyof typeof PREFIXES;

/** Every id this API gives an order matches it (for the OpenAPI document and the routes' validation). */
export const ORDER_ID_PATTERN = new RegExp(
  `^(?:${Object.entries(PREFIXES)
    .map(([prefix, { key }]) => `${prefix}_${key}`)
    .join('|')})$`,
);

export interface OrderRef {
  id: string;
  prefix: OrderPrefix;
  type: OrderType;
  /** The kind's own id (a withdrawal's uuid, a bet's number). */
  key: string;
}

/** The order an id names, or null when it is no order id of ours. */
export function parseOrderId(id: string): OrderRef | null {
  if (!ORDER_ID_PATTERN.test(id)) return null;
  const cut = id.indexOf('_');
  const prefix = id.slice(0, cut) as OrderPrefix;
  return { id, prefix, type: PREFIXES[prefix].type, key: id.slice(cut + 1) };
}

export const orderId = (prefix: OrderPrefix, key: string | bigint | number) => `${prefix}_${key}`;

/** A kind's own id, or its order id (`wd_<uuid>` for `wd`): what a route of that kind takes as `{id}`. */
export const ownOrOrderIdPattern = (prefix: OrderPrefix) => new RegExp(`^(?:${prefix}_)?${PREFIXES[prefix].key}$`);

/** The kind's own id of an id `ownOrOrderIdPattern(prefix)` accepted. */
export const ownIdOf = (prefix: OrderPrefix, id: string) => (id.startsWith(`${prefix}_`) ? id.slice(prefix.length + 1) : id);
