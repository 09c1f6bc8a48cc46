-- Reconciliation of the ledger's custody accounts against the chains.

-- Which on-chain addresses hold each custody account's funds, registered by the worker at start-up from its
-- configuration (gas keeper, cold wallet, hot wallets, XRPL deposit address). Deposit wallets are read from
-- evm_deposit_addresses: they are custody:hot too. The EVM listener watches these for top-ups.
CREATE TABLE custody_addresses (
  chain      text NOT NULL,
  address    text NOT NULL,
  account    text NOT NULL CHECK (account LIKE 'custody:%'),
  label      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, address)
);

-- Transfers into custody addresses from outside Sluice (an operator topping up the gas keeper or a hot wallet), as the
-- EVM listener saw them. Booked (custody against external:<chain>) once confirmed; one in a replaced block is deleted.
CREATE TABLE custody_inflows (
  chain        text NOT NULL,
  tx_hash      text NOT NULL,
  event_index  integer NOT NULL,
  address      text NOT NULL,
  currency     text NOT NULL REFERENCES currencies (code),
  amount       numeric(78, 0) NOT NULL CHECK (amount > 0),
  from_address text NOT NULL,
  block_number bigint NOT NULL,
  block_hash   text NOT NULL,
  booked       boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, tx_hash, event_index)
);
CREATE INDEX custody_inflows_unbooked ON custody_inflows (chain, block_number) WHERE NOT booked;

-- What operators expect a custody account (custody:hot:evm-1) or one wallet (an address: a provider's hot wallet) to
-- hold at least; reconciliation alerts below it.
CREATE TABLE custody_minimums (
  target     text NOT NULL,
  currency   text NOT NULL REFERENCES currencies (code),
  minimum    numeric(78, 0) NOT NULL CHECK (minimum >= 0),
  updated_by uuid REFERENCES users (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target, currency)
);

CREATE TABLE reconciliations (
  id           uuid PRIMARY KEY,
  workflow_id  text NOT NULL UNIQUE,
  trigger      text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  requested_by uuid REFERENCES users (id),
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  ok           boolean NOT NULL,
  booked       jsonb NOT NULL,
  accounts     jsonb NOT NULL,
  below_minimum jsonb NOT NULL
);
CREATE INDEX reconciliations_recent ON reconciliations (finished_at DESC);
