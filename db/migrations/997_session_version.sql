-- A password change or reset signs every session out at once: it moves the user's session_version on, access tokens
-- carry the version they were issued under and console sessions the one they started under, and both are refused once
-- it has moved (a per-second iat could not tell a token issued just before a change from one issued just after).
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 0;
ALTER TABLE console_sessions ADD COLUMN session_version integer NOT NULL DEFAULT 0;

-- the version is part of the principal every API process caches
DROP TRIGGER users_invalidate ON users;
CREATE TRIGGER users_invalidate AFTER UPDATE OF email, role, ip_allowlist, disabled_at, session_version OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('id');
