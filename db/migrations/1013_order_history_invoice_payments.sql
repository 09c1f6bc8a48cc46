-- A payment a user made to an invoice from their balance (POST /v1/invoices/{id}/pay) is an order of theirs too,
-- `ipay_<payment id>`: the history showed the merchant's invoice but not the payer's payment. Its row is the
-- invoice_payments row the payment's transaction writes once per Idempotency-Key, as the other kinds' rows; final at
-- once. The view is 823's with that arm added (a fresh database creates 823's first), read through its own index on
-- (payer, seen_at) like every arm.
CREATE INDEX invoice_payments_by_payer_seen ON invoice_payments (payer_id, seen_at) WHERE payer_id IS NOT NULL;

CREATE OR REPLACE VIEW order_history AS
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
         CASE g.status WHEN 'fired' THEN 'completed' WHEN 'cancelled' THEN 'cancelled' WHEN 'failed' THEN 'failed'
              ELSE 'pending' END,
         g.status, CASE WHEN g.amount IS NULL THEN p.quote ELSE p.base END, CASE WHEN g.amount IS NULL THEN p.base ELSE p.quote END,
         coalesce(g.amount, g.quote_amount), g.created_at
  FROM trigger_orders g JOIN pairs p ON p.code = g.pair
  UNION ALL
  SELECT 'invoice_payment', 'ipay_' || p.id, p.payer_id, 'completed', p.state, p.currency, NULL, p.amount, p.seen_at
  FROM invoice_payments p WHERE p.payer_id IS NOT NULL;
