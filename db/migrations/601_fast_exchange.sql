-- Fast exchange: a user swaps one currency for another at a quoted rate, against the exchange's own inventory
-- (ledger accounts `exchange:inventory`, one per currency, which never go below zero). Its settings (on/off, fee,
-- quote TTL, limits in minor units of the pair's base currency) are the settings resolver's operation `fast-exchange`
-- keyed by pair, so a group or a user can have their own (domain/fast-exchange/settings.ts).

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
