-- When each auth_throttle row stops mattering (its last failure plus its policy's forget window): rows past it, with
-- no lockout still running, are deleted as new failures are written (services/security/throttle.ts), so the table
-- holds only the subjects failing now. Existing rows keep an hour, the policies' window.
ALTER TABLE auth_throttle ADD COLUMN forget_at timestamptz NOT NULL DEFAULT now() + interval '1 hour';
ALTER TABLE auth_throttle ALTER COLUMN forget_at DROP DEFAULT;
CREATE INDEX auth_throttle_by_forget_at ON auth_throttle (forget_at);
