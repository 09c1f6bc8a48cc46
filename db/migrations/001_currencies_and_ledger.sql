-- Currencies are data; the double-entry ledger is accounts with running sums and an append-only journal.

CREATE TABLE currencies (
  code           text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9]{1,9}$'),
  name           text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('fiat', 'crypto')),
  scale          smallint NOT NULL CHECK (scale BETWEEN 0 AND 18),
  network        text CHECK (network IN ('bitcoin', 'evm', 'xrpl')),
  token_contract text,
  enabled        boolean NOT NULL DEFAULT true
);

INSERT INTO currencies (code, name, kind, scale, network) VALUES
  ('BTC',  'Bitcoin',            'crypto', 8,  'bitcoin'),
  ('ETH',  'Ether',              'crypto', 18, 'evm'),
  ('USDT', 'Tether USD (ERC-20)', 'crypto', 6,  'evm'),
  ('XRP',  'XRP',                'crypto', 6,  'xrpl'),
  ('UAH',  'Ukrainian hryvnia',  'fiat',   2,  NULL),
  ('RUB',  'Russian ruble',      'fiat',   2,  NULL),
  ('USD',  'US dollar',          'fiat',   2,  NULL),
  ('EUR',  'Euro',               'fiat',   2,  NULL)
ON CONFLICT (code) DO NOTHING;

CREATE TABLE ledger_accounts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name            text NOT NULL,
  currency        text NOT NULL REFERENCES currencies (code),
  no_overdraft    boolean NOT NULL,
  debits_posted   numeric(78, 0) NOT NULL DEFAULT 0,
  credits_posted  numeric(78, 0) NOT NULL DEFAULT 0,
  debits_pending  numeric(78, 0) NOT NULL DEFAULT 0,
  credits_pending numeric(78, 0) NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, currency),
  -- the engine checks this first; the constraint is the last line of defence
  CONSTRAINT ledger_accounts_no_overdraft CHECK (NOT no_overdraft OR debits_posted + debits_pending <= credits_posted),
  CONSTRAINT ledger_accounts_sums_non_negative
    CHECK (debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0)
);

CREATE TABLE ledger_transfers (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key               text NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 255),
  kind              text NOT NULL CHECK (kind IN ('posted', 'pending', 'post', 'void')),
  pending_key       text REFERENCES ledger_transfers (key),
  debit_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  credit_account_id bigint NOT NULL REFERENCES ledger_accounts (id),
  currency          text NOT NULL REFERENCES currencies (code),
  amount            numeric(78, 0) NOT NULL CHECK (amount > 0),
  metadata          jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind IN ('post', 'void')) = (pending_key IS NOT NULL)),
  CHECK (debit_account_id <> credit_account_id)
);

-- a pending transfer is posted or voided at most once
CREATE UNIQUE INDEX ledger_transfers_resolved_once ON ledger_transfers (pending_key) WHERE pending_key IS NOT NULL;
CREATE INDEX ledger_transfers_by_debit ON ledger_transfers (debit_account_id, id);
CREATE INDEX ledger_transfers_by_credit ON ledger_transfers (credit_account_id, id);

CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_transfers is append-only';
END $$;

CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_transfers
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_append_only();

-- running totals checked in the same transaction as the transfers they limit (daily limits)
CREATE TABLE ledger_counters (
  key        text PRIMARY KEY,
  value      numeric(78, 0) NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
