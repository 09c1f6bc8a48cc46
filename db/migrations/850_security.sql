-- Failed sign-in attempts per account and per client IP (services/security/throttle.ts): every API process reads and
-- writes the same rows, so a cluster throttles as one. A row exists only while someone is failing.
CREATE TABLE auth_throttle (
  key          text PRIMARY KEY, -- '<scope>:<subject>', e.g. 'login-account:ada@example.com', 'login-ip:10.0.0.1'
  failures     integer NOT NULL CHECK (failures > 0),
  last_failure timestamptz NOT NULL,
  locked_until timestamptz
);

-- Security events (sign-ins, failures, second factor, API keys, roles, operator actions), for admins. Append-only:
-- the trigger below refuses UPDATE and DELETE (and TRUNCATE), whoever asks.
CREATE TABLE security_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  kind       text NOT NULL,
  user_id    uuid, -- no foreign key: the record outlives the user
  actor_id   uuid,
  ip         text,
  detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_by_kind ON security_events (kind, id DESC);
CREATE INDEX security_events_by_user ON security_events (user_id, id DESC);

CREATE FUNCTION refuse_security_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'security_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
  FOR EACH ROW EXECUTE FUNCTION refuse_security_event_change();
CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_security_event_change();

-- API keys: what a key may do, and where from (empty: anywhere its user may).
ALTER TABLE api_keys
  ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,trade,withdraw}'
    CHECK (scopes <@ '{read,trade,withdraw}'::text[] AND cardinality(scopes) > 0),
  ADD COLUMN ip_allowlist cidr[] NOT NULL DEFAULT '{}';

-- Nonces of signed API key requests seen within the timestamp window: a second use is a replay. Rows older than the
-- window are deleted by the API processes (services/users-auth/api-key-nonces.ts).
CREATE TABLE api_key_nonces (
  key_id     text NOT NULL,
  nonce      text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (key_id, nonce)
);
CREATE INDEX api_key_nonces_by_expiry ON api_key_nonces (expires_at);
