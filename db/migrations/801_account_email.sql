-- Email verification and password reset. Accounts that existed before verification are taken as verified.
ALTER TABLE users
  ADD COLUMN email_verified_at timestamptz,
  -- the last verification mail, for rate-limiting resends
  ADD COLUMN verification_mail_at timestamptz;
UPDATE users SET email_verified_at = created_at;

-- a reset link is `<id>.<secret>`: only the secret's SHA-256 is kept; each works once, and using one voids the others
CREATE TABLE password_resets (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash text NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at DESC);
