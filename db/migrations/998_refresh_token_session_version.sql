-- A refresh token remembers the session version it was issued under: it is stored only while the user's version is
-- still the one its sign-in read beside the password it checked (a change or reset in between signs that sign-in out),
-- and a rotation refuses a token of an earlier version. Live tokens are all of the current version: a change revoked
-- the rest.
ALTER TABLE refresh_tokens ADD COLUMN session_version integer;
UPDATE refresh_tokens r SET session_version = u.session_version FROM users u WHERE u.id = r.user_id;
ALTER TABLE refresh_tokens ALTER COLUMN session_version SET NOT NULL;
