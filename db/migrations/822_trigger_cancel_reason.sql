-- Why a trigger order was cancelled: by its owner (null), or by Sluice when it fired for a user an operator had
-- disabled ('user_disabled'): a disabled user's trigger places no order, and its hold is released.
ALTER TABLE trigger_orders ADD COLUMN cancel_reason text CHECK (cancel_reason IN ('user_disabled'));
