-- Deposit auto-conversion: a user's deposits in `currency` are swapped to `to_currency` as they are credited, at the
-- current rate with the exchange fee (fast exchange). Each credited deposit's attempt is recorded once, converted or
-- failed with its reason; a failed one stays credited in its own currency.
CREATE TABLE deposit_auto_conversions (
  user_id     uuid NOT NULL REFERENCES users (id),
  currency    text NOT NULL REFERENCES currencies (code),
  to_currency text NOT NULL REFERENCES currencies (code),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, currency),
  CHECK (currency <> to_currency)
);

CREATE TABLE deposit_conversions (
  deposit_id    bigint PRIMARY KEY REFERENCES deposits (id),
  to_currency   text NOT NULL REFERENCES currencies (code),
  status        text NOT NULL CHECK (status IN ('converted', 'failed')),
  quote_id      uuid,
  amount_in     numeric(78, 0) NOT NULL CHECK (amount_in >= 0),
  amount_out    numeric(78, 0),
  reason_code   text,
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'converted') = (quote_id IS NOT NULL AND amount_out IS NOT NULL)),
  CHECK ((status = 'failed') = (reason IS NOT NULL))
);
