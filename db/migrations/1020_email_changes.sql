-- An ordinary account's change of mail address (services/users-auth/email-change.ts): asked with the owner proof,
-- applied when the link mailed to the new address is followed. A link is `<id>.<secret>` as a password reset's
-- (single-use-links.ts): only the secret's SHA-256 is kept; each works once, using one voids the others, and it
-- applies only while the account has the address and session version it was asked under (a password change or reset
-- in between cancels it).
CREATE TABLE email_changes (
  id              uuid PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  old_email       text NOT NULL,
  new_email       text NOT NULL CHECK (new_email = lower(new_email)),
  session_version integer NOT NULL,
  secret_hash     text NOT NULL,
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- the newest of a user's, for the interval between two requests
CREATE INDEX email_changes_by_user ON email_changes (user_id, created_at DESC);
