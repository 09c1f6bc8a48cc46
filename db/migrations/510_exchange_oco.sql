-- OCO trigger orders: a take-profit (trigger_price, price) and a stop (stop_price, stop_limit_price; null: a market
-- order) on one position, with one hold. Whichever leg fires first places the trigger's one order; fired_leg says
-- which, and the other leg is gone with it. Cancelling the trigger cancels both.
ALTER TABLE trigger_orders DROP CONSTRAINT trigger_orders_kind_check;
ALTER TABLE trigger_orders ADD CONSTRAINT trigger_orders_kind_check
  CHECK (kind IN ('stop_market', 'stop_limit', 'take_profit', 'oco'));
ALTER TABLE trigger_orders
  ADD COLUMN stop_price       numeric(78, 0) CHECK (stop_price > 0),
  ADD COLUMN stop_limit_price numeric(78, 0) CHECK (stop_limit_price > 0),
  ADD COLUMN fired_leg        text CHECK (fired_leg IN ('stop_market', 'stop_limit', 'take_profit'));
-- a single trigger that fired before OCO existed fired its own (only) leg
UPDATE trigger_orders SET fired_leg = kind WHERE status = 'fired';
ALTER TABLE trigger_orders
  ADD CONSTRAINT trigger_orders_oco_stop CHECK ((kind = 'oco') = (stop_price IS NOT NULL)),
  ADD CONSTRAINT trigger_orders_oco_stop_limit CHECK (kind = 'oco' OR stop_limit_price IS NULL),
  ADD CONSTRAINT trigger_orders_fired_leg CHECK ((status = 'fired') = (fired_leg IS NOT NULL));
