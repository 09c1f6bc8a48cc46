-- A redelivery is a create like any other: the requester's Idempotency-Key (a merchant's, or an operator's) makes a
-- repeated request answer the redelivery it made the first time instead of sending the event once more.
ALTER TABLE webhook_deliveries ADD COLUMN requested_by text, ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX webhook_redeliveries_by_key ON webhook_deliveries (requested_by, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
