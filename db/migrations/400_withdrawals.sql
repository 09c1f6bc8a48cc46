-- Withdrawals: settings per currency, the requests with their status history, email confirmation codes, and the
-- providers (hot wallets) each currency is sent through, in priority order.

CREATE TABLE withdrawal_settings (
  currency           text PRIMARY KEY REFERENCES currencies (code),
  enabled            boolean NOT NULL,
  min_amount         numeric(78, 0) NOT NULL CHECK (min_amount > 0),
  max_amount         numeric(78, 0) CHECK (max_amount > 0),
  daily_limit        numeric(78, 0) CHECK (daily_limit > 0),
  monthly_limit      numeric(78, 0) CHECK (monthly_limit > 0),
  fee_fixed          numeric(78, 0) NOT NULL CHECK (fee_fixed >= 0),
  fee_rate_ppm       integer NOT NULL CHECK (fee_rate_ppm BETWEEN 0 AND 1000000),
  approval_threshold numeric(78, 0) CHECK (approval_threshold > 0),
  confirmations      integer NOT NULL CHECK (confirmations BETWEEN 0 AND 1000),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  updated_by         uuid REFERENCES users (id)
);

CREATE TABLE withdrawals (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id),
  idempotency_key   text NOT NULL,
  currency          text NOT NULL REFERENCES currencies (code),
  amount            numeric(78, 0) NOT NULL CHECK (amount > 0),
  fee               numeric(78, 0) NOT NULL CHECK (fee >= 0),
  address           text NOT NULL,
  destination_tag   bigint CHECK (destination_tag BETWEEN 0 AND 4294967295),
  status            text NOT NULL,
  approval_required boolean NOT NULL,
  approval_reasons  text[] NOT NULL DEFAULT '{}',
  -- the limit counters charged when the funds were held, given back if the withdrawal is not paid
  counters          jsonb NOT NULL,
  provider_id       text,
  chain             text,
  tx_hash           text,
  decided_by        uuid REFERENCES users (id),
  decision_note     text,
  workflow_started  boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX withdrawals_by_user ON withdrawals (user_id, created_at DESC);
CREATE INDEX withdrawals_by_status ON withdrawals (status, created_at DESC);
-- a withdrawal whose workflow was not started (the API died right after holding): the worker's sweep starts it
CREATE INDEX withdrawals_unstarted ON withdrawals (created_at) WHERE NOT workflow_started;

CREATE TABLE withdrawal_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  withdrawal_id uuid NOT NULL REFERENCES withdrawals (id),
  status        text NOT NULL,
  actor         text,
  detail        jsonb NOT NULL DEFAULT '{}',
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawal_events_by_withdrawal ON withdrawal_events (withdrawal_id, id);

-- the code mailed to the user: only its HMAC is kept
CREATE TABLE withdrawal_codes (
  withdrawal_id uuid PRIMARY KEY REFERENCES withdrawals (id),
  code_hmac     text NOT NULL,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE withdrawal_providers (
  currency    text NOT NULL REFERENCES currencies (code),
  provider_id text NOT NULL,
  priority    integer NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (currency, provider_id)
);
