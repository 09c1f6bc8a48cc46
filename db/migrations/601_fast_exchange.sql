-- Fast exchange: a user swaps one currency for another at a quoted rate, against the exchange's own inventory
-- (ledger accounts `exchange:inventory`, one per currency, which never go below zero). Settings are per pair; limits
-- are in minor units of the pair's base currency, whichever way the swap goes.

CREATE TABLE fast_exchange_pairs (
  pair              text PRIMARY KEY REFERENCES pairs (code),
  enabled           boolean NOT NULL DEFAULT true,
  fee_ppm           integer NOT NULL DEFAULT 2000 CHECK (fee_ppm BETWEEN 0 AND 500000),
  quote_ttl_seconds integer NOT NULL DEFAULT 30 CHECK (quote_ttl_seconds BETWEEN 1 AND 3600),
  min_amount        numeric(78, 0) NOT NULL DEFAULT 1 CHECK (min_amount > 0),
  max_amount        numeric(78, 0) CHECK (max_amount >= min_amount),
  daily_limit       numeric(78, 0) CHECK (daily_limit > 0),
  updated_by        text,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

INSERT INTO fast_exchange_pairs (pair) SELECT pair FROM rate_sources ON CONFLICT (pair) DO NOTHING;

-- A quote holds its terms until it expires; accepting it is its ledger group (keys fast-exchange:<id>:…), so a quote
-- is accepted at most once however often the request is repeated.
CREATE TABLE exchange_quotes (
  id              uuid PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id),
  pair            text NOT NULL REFERENCES pairs (code),
  from_currency   text NOT NULL REFERENCES currencies (code),
  to_currency     text NOT NULL REFERENCES currencies (code),
  amount_in       numeric(78, 0) NOT NULL CHECK (amount_in > 0),
  fee             numeric(78, 0) NOT NULL CHECK (fee >= 0),
  amount_out      numeric(78, 0) NOT NULL CHECK (amount_out > 0),
  -- whole target units per whole source unit, spread included, as an exact fraction
  rate_num        numeric NOT NULL,
  rate_den        numeric NOT NULL,
  -- what the daily limit counts: the swap's amount in the pair's base currency
  base_amount     numeric(78, 0) NOT NULL,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exchange_quotes_by_user ON exchange_quotes (user_id, created_at DESC);
