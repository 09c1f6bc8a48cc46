-- Trigger orders: each holds its order's funds from creation (trigger:<id>:hold) and has a workflow trigger:<id>.
-- The engine process keeps the pending ones in a per-pair trigger book; firing one voids its hold and places its
-- order (Idempotency-Key trigger:<id>) in one journal transaction, which also marks it fired.
CREATE SEQUENCE trigger_orders_id_seq;

CREATE TABLE trigger_orders (
  id               bigint PRIMARY KEY DEFAULT nextval('trigger_orders_id_seq'),
  user_id          uuid NOT NULL REFERENCES users (id),
  pair             text NOT NULL REFERENCES pairs (code),
  kind             text NOT NULL CHECK (kind IN ('stop_market', 'stop_limit', 'take_profit')),
  side             text NOT NULL CHECK (side IN ('buy', 'sell')),
  trigger_price    numeric(78, 0) NOT NULL CHECK (trigger_price > 0),
  -- the limit price of the order it places; null: a market order
  price            numeric(78, 0) CHECK (price > 0),
  amount           numeric(78, 0) CHECK (amount > 0),
  quote_amount     numeric(78, 0) CHECK (quote_amount > 0),
  hold_currency    text NOT NULL REFERENCES currencies (code),
  hold_amount      numeric(78, 0) NOT NULL CHECK (hold_amount > 0),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired', 'cancelled')),
  order_id         bigint REFERENCES orders (id),
  idempotency_key  text NOT NULL,
  workflow_started boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key),
  CHECK ((amount IS NULL) <> (quote_amount IS NULL)),
  CHECK ((status = 'fired') = (order_id IS NOT NULL))
);
CREATE INDEX trigger_orders_pending ON trigger_orders (pair) WHERE status = 'pending';
CREATE INDEX trigger_orders_by_user ON trigger_orders (user_id, id DESC);
CREATE INDEX trigger_orders_unstarted ON trigger_orders (created_at) WHERE NOT workflow_started;
