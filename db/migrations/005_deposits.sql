-- Deposits from every network, as users see them. Chain-specific observations (blocks, confirmations, ledgers) live
-- in each chain's own tables and point here; crediting is one ledger transfer keyed by the deposit.
CREATE TABLE deposits (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id),
  currency        text NOT NULL REFERENCES currencies (code),
  amount          numeric(78, 0) NOT NULL CHECK (amount > 0),
  chain           text NOT NULL,
  tx_hash         text NOT NULL,
  event_index     integer NOT NULL CHECK (event_index >= 0),
  address         text NOT NULL,
  destination_tag bigint,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'credited', 'dropped')),
  workflow_id     text NOT NULL,
  transfer_key    text,
  detected_at     timestamptz NOT NULL DEFAULT now(),
  credited_at     timestamptz,
  UNIQUE (chain, tx_hash, event_index),
  CHECK ((status = 'credited') = (credited_at IS NOT NULL))
);
CREATE INDEX deposits_by_user ON deposits (user_id, id DESC);
