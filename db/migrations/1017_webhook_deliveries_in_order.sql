-- Deliveries of one subject's events (an invoice's states, an order's callbacks) go to an endpoint one at a time, in
-- the order they were published: a first attempt waits while an earlier delivery of its subject to that endpoint is
-- pending. First attempts ran in parallel and retries on their own clocks, so a merchant could hear an invoice
-- settled before it heard it processing, and keep the older state. Null: in no order (redeliveries, one-off events).
ALTER TABLE webhook_deliveries ADD COLUMN ordered_by text;
CREATE INDEX webhook_deliveries_pending_in_order ON webhook_deliveries (endpoint_id, ordered_by, position)
  WHERE status = 'pending' AND ordered_by IS NOT NULL;
