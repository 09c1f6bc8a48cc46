-- One order history: every operation a user starts (deposit, withdrawal, internal transfer, exchange, invoice, bet,
-- trade order) as one row shape with a type-prefixed id, read with keyset pagination on (created_at, id). Each arm is
-- read through an index on (user, created_at), so a page costs a few index range scans, never a scan of a table.
CREATE INDEX deposits_by_user_detected ON deposits (user_id, detected_at) WHERE invoice_id IS NULL;
CREATE INDEX ledger_transfers_internal_by_sender ON ledger_transfers (((metadata ->> 'from_user_id')::uuid), created_at)
  WHERE metadata ->> 'type' = 'internal_transfer';
CREATE INDEX invoices_by_merchant_created ON invoices (merchant_id, created_at);
CREATE INDEX bets_by_user_placed ON bets (user_id, placed_at);
CREATE INDEX orders_by_user_created ON orders (user_id, created_at);
CREATE INDEX trigger_orders_by_user_created ON trigger_orders (user_id, created_at);

-- amount and currency: what the order moves (a trade order's base, or its quote when it was given as a quote amount)
-- status: the common vocabulary (pending, completed, failed, cancelled); state: the kind's own status
CREATE VIEW order_history AS
  SELECT 'deposit' AS type, 'dep_' || d.id AS id, d.user_id,
         CASE d.status WHEN 'credited' THEN 'completed' WHEN 'dropped' THEN 'failed' ELSE 'pending' END AS status,
         d.status AS state, d.currency, NULL::text AS counter_currency, d.amount, d.detected_at AS created_at
  FROM deposits d WHERE d.invoice_id IS NULL
  UNION ALL
  SELECT 'withdrawal', 'wd_' || w.id, w.user_id,
         CASE WHEN w.status = 'succeeded' OR (w.status = 'closed' AND w.tx_hash IS NOT NULL) THEN 'completed'
              WHEN w.status = 'cancelled' THEN 'cancelled'
              WHEN w.status IN ('rejected', 'expired', 'closed') THEN 'failed' ELSE 'pending' END,
         w.status, w.currency, NULL, w.amount, w.created_at
  FROM withdrawals w
  UNION ALL
  SELECT 'transfer', 'tr_' || t.id, (t.metadata ->> 'from_user_id')::uuid, 'completed', 'posted', t.currency, NULL,
         t.amount, t.created_at
  FROM ledger_transfers t WHERE t.metadata ->> 'type' = 'internal_transfer'
  UNION ALL
  -- a quote is an order once accepted: its swap's first transfer exists
  SELECT 'exchange', 'ex_' || q.id, q.user_id, 'completed', 'accepted', q.from_currency, q.to_currency, q.amount_in,
         q.created_at
  FROM exchange_quotes q JOIN ledger_transfers s ON s.key = 'fast-exchange:' || q.id || ':in'
  UNION ALL
  SELECT 'invoice', 'inv_' || i.id, i.merchant_id,
         CASE WHEN i.status IN ('settled', 'paid_over', 'paid_late', 'marked_settled') THEN 'completed'
              WHEN i.status IN ('expired', 'invalid', 'paid_partial', 'marked_invalid') THEN 'failed' ELSE 'pending' END,
         i.status, i.currency, NULL, i.amount, i.created_at
  FROM invoices i
  UNION ALL
  SELECT 'bet', 'bet_' || b.id, b.user_id,
         CASE b.status WHEN 'pending' THEN 'pending' WHEN 'refunded' THEN 'cancelled' ELSE 'completed' END,
         b.status, b.currency, NULL, b.amount, b.placed_at
  FROM bets b
  UNION ALL
  SELECT 'trade', 'ord_' || o.id, o.user_id,
         CASE o.status WHEN 'filled' THEN 'completed' WHEN 'cancelled' THEN 'cancelled' WHEN 'rejected' THEN 'failed'
              ELSE 'pending' END,
         o.status, CASE WHEN o.amount IS NULL THEN p.quote ELSE p.base END, CASE WHEN o.amount IS NULL THEN p.base ELSE p.quote END,
         coalesce(o.amount, o.quote_amount), o.created_at
  FROM orders o JOIN pairs p ON p.code = o.pair
  UNION ALL
  SELECT 'trade', 'trg_' || g.id, g.user_id,
         CASE g.status WHEN 'fired' THEN 'completed' WHEN 'cancelled' THEN 'cancelled' ELSE 'pending' END,
         g.status, CASE WHEN g.amount IS NULL THEN p.quote ELSE p.base END, CASE WHEN g.amount IS NULL THEN p.base ELSE p.quote END,
         coalesce(g.amount, g.quote_amount), g.created_at
  FROM trigger_orders g JOIN pairs p ON p.code = g.pair;

-- Callbacks: a callback_url given with an order is a webhook endpoint of its own (callback, subscribed to no event
-- type, one per user and URL), so its deliveries go through the webhook machinery: signed, retried, logged.
ALTER TABLE webhook_endpoints ADD COLUMN callback boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX webhook_endpoints_callback_url ON webhook_endpoints (merchant_id, url) WHERE callback;

CREATE TABLE order_callbacks (
  order_id    text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
