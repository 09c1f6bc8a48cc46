-- EVM deposits and collection: HD deposit addresses, what the listener saw (blocks, transfers to deposit addresses),
-- every transaction Sluice signs (stored before it is broadcast), and sweeps of deposit wallets to the cold wallet.
-- Addresses are stored lowercase; the API shows them checksummed.

-- One HD index per user: the same address for ETH and every token, on whichever EVM chain is configured.
CREATE SEQUENCE evm_deposit_address_index AS integer MINVALUE 0 START 0;
CREATE TABLE evm_deposit_addresses (
  user_id    uuid PRIMARY KEY REFERENCES users (id),
  hd_index   integer NOT NULL UNIQUE CHECK (hd_index >= 0),
  address    text NOT NULL UNIQUE CHECK (address ~ '^0x[0-9a-f]{40}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The listener's progress: the last block it recorded, and the recent blocks as it saw them (reorg detection).
CREATE TABLE evm_listener_checkpoints (
  chain        text PRIMARY KEY,
  block_number bigint NOT NULL,
  block_hash   text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE evm_blocks (
  chain       text NOT NULL,
  number      bigint NOT NULL,
  hash        text NOT NULL,
  parent_hash text NOT NULL,
  PRIMARY KEY (chain, number)
);

-- Where each EVM deposit was seen. `state` is the listener's: seen (unconfirmed, may still be dropped by a reorg),
-- confirmed (final: never dropped), dropped (its block left the chain). `version` moves with every change the
-- deposit workflow must hear of; `signalled_version` trails it until the signal went out (the outbox).
CREATE TABLE evm_deposit_observations (
  deposit_id        bigint PRIMARY KEY REFERENCES deposits (id),
  chain             text NOT NULL,
  token_contract    text,
  from_address      text NOT NULL,
  block_number      bigint NOT NULL,
  block_hash        text NOT NULL,
  state             text NOT NULL DEFAULT 'seen' CHECK (state IN ('seen', 'confirmed', 'dropped')),
  confirmations     integer NOT NULL DEFAULT 1,
  version           integer NOT NULL DEFAULT 1,
  signalled_version integer NOT NULL DEFAULT 0,
  collected_by      bigint,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evm_observations_unconfirmed ON evm_deposit_observations (chain, block_number) WHERE state = 'seen';
CREATE INDEX evm_observations_to_signal ON evm_deposit_observations (chain) WHERE version > signalled_version;
CREATE INDEX evm_observations_by_block ON evm_deposit_observations (chain, block_hash);

-- Every transaction Sluice sends from a key whose nonce it owns. A send is one nonce; its attempts are the signed
-- versions (a fee bump is a new attempt with the same nonce). Each attempt is stored before it is broadcast.
CREATE TABLE evm_nonces (
  chain      text NOT NULL,
  address    text NOT NULL,
  next_nonce bigint NOT NULL CHECK (next_nonce >= 0),
  PRIMARY KEY (chain, address)
);
CREATE TABLE evm_sends (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain               text NOT NULL,
  key                 text NOT NULL,
  purpose             text NOT NULL,
  from_address        text NOT NULL,
  to_address          text NOT NULL,
  value               numeric(78, 0) NOT NULL CHECK (value >= 0),
  data                text NOT NULL DEFAULT '0x',
  nonce               bigint NOT NULL,
  gas_limit           numeric(78, 0) NOT NULL,
  -- pending: broadcast, not in a block; mined: in a block, not yet deep enough; confirmed: final
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'mined', 'confirmed')),
  mined_hash          text,
  block_number        bigint,
  block_hash          text,
  succeeded           boolean,
  gas_used            numeric(78, 0),
  effective_gas_price numeric(78, 0),
  -- workflows to signal when the send is confirmed
  notify              text[] NOT NULL DEFAULT '{}',
  version             integer NOT NULL DEFAULT 1,
  signalled_version   integer NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chain, key),
  UNIQUE (chain, from_address, nonce)
);
CREATE INDEX evm_sends_open ON evm_sends (chain, from_address) WHERE status <> 'confirmed';
CREATE INDEX evm_sends_to_signal ON evm_sends (chain) WHERE version > signalled_version;
CREATE TABLE evm_send_attempts (
  send_id                  bigint NOT NULL REFERENCES evm_sends (id),
  attempt                  integer NOT NULL CHECK (attempt >= 1),
  tx_hash                  text NOT NULL,
  raw                      text NOT NULL,
  max_fee_per_gas          numeric(78, 0) NOT NULL,
  max_priority_fee_per_gas numeric(78, 0) NOT NULL,
  created_at               timestamptz NOT NULL DEFAULT now(),
  broadcast_at             timestamptz,
  PRIMARY KEY (send_id, attempt)
);
CREATE UNIQUE INDEX evm_send_attempts_by_hash ON evm_send_attempts (tx_hash);

-- Sweeps of a deposit wallet to the cold wallet, one currency each. At most one open sweep per wallet and currency.
CREATE TABLE evm_sweeps (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain            text NOT NULL,
  address          text NOT NULL,
  currency         text NOT NULL REFERENCES currencies (code),
  token_contract   text,
  -- planned → (funding →) sending → sent → confirmed | failed; cancelled when it turned out not worth sending
  status           text NOT NULL DEFAULT 'planned'
                   CHECK (status IN ('planned', 'funding', 'sending', 'sent', 'confirmed', 'failed', 'cancelled')),
  deposit_ids      bigint[] NOT NULL DEFAULT '{}',
  amount           numeric(78, 0),
  gas_limit        numeric(78, 0),
  max_fee_per_gas  numeric(78, 0),
  max_priority_fee_per_gas numeric(78, 0),
  funding_amount   numeric(78, 0),
  funding_send_id  bigint REFERENCES evm_sends (id),
  sweep_send_id    bigint REFERENCES evm_sends (id),
  gas_spent        numeric(78, 0),
  funding_gas      numeric(78, 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE UNIQUE INDEX evm_sweeps_one_open ON evm_sweeps (chain, address, currency)
  WHERE status NOT IN ('confirmed', 'failed', 'cancelled');
CREATE INDEX evm_sweeps_by_address ON evm_sweeps (chain, address, id DESC);
ALTER TABLE evm_deposit_observations ADD FOREIGN KEY (collected_by) REFERENCES evm_sweeps (id);
