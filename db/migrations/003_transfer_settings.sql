-- Rules for internal transfers per currency. A currency without a row uses the defaults in db/settings.ts.
CREATE TABLE transfer_settings (
  currency     text PRIMARY KEY REFERENCES currencies (code),
  enabled      boolean NOT NULL,
  min_amount   numeric(78, 0) NOT NULL CHECK (min_amount > 0),
  max_amount   numeric(78, 0) CHECK (max_amount > 0),
  daily_limit  numeric(78, 0) CHECK (daily_limit > 0),
  fee_fixed    numeric(78, 0) NOT NULL CHECK (fee_fixed >= 0),
  fee_rate_ppm integer NOT NULL CHECK (fee_rate_ppm BETWEEN 0 AND 1000000),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   uuid REFERENCES users (id)
);
