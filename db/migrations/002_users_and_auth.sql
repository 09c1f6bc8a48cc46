CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL UNIQUE CHECK (email = lower(email)),
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'merchant', 'operator', 'admin')),
  -- AES-GCM sealed with a key derived from SECRET_KEY; set while enrolling, kept while enabled
  totp_secret   text,
  totp_enabled  boolean NOT NULL DEFAULT false,
  ip_allowlist  cidr[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- refresh tokens rotate: each use marks the token used and issues the next in the same family;
-- a used token presented again revokes the whole family (it was stolen or replayed)
CREATE TABLE refresh_tokens (
  id         uuid PRIMARY KEY,
  family     uuid NOT NULL,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);

CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL,
  secret_sealed text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);
