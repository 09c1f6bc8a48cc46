-- A trigger order whose order was refused when it fired (its pair disabled, the order no longer fitting the pair, the
-- ledger refusing the hold) ends 'failed', with the refusal's error code in failure_reason; its hold is released in
-- the same transaction. A transient refusal (the engine halted) leaves it pending, and recovery arms it again.
ALTER TABLE trigger_orders DROP CONSTRAINT trigger_orders_status_check;
ALTER TABLE trigger_orders ADD CONSTRAINT trigger_orders_status_check
  CHECK (status IN ('pending', 'fired', 'cancelled', 'failed'));
ALTER TABLE trigger_orders
  ADD COLUMN failure_reason text,
  ADD CONSTRAINT trigger_orders_failure_reason CHECK ((status = 'failed') = (failure_reason IS NOT NULL));
