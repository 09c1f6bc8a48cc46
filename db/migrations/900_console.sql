-- The operator console: signed-in sessions (only the token's hash is kept) with the CSRF token of their forms, and
-- the indexes its dashboard reads by.

CREATE TABLE console_sessions (
  token_hash text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

-- the dashboard's count of deposits waiting for confirmations
CREATE INDEX deposits_pending ON deposits (id) WHERE status = 'pending';
-- volume per day: credited deposits and paid withdrawals by the day they completed
CREATE INDEX deposits_credited_by_day ON deposits (credited_at) INCLUDE (currency, amount) WHERE status = 'credited';
CREATE INDEX withdrawals_succeeded_by_day ON withdrawals (updated_at) INCLUDE (currency, amount) WHERE status = 'succeeded';
