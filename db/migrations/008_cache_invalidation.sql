-- An admin can disable a user: their tokens and API keys are refused from then on, and they cannot log in.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- The API keeps principals, API keys and transfer rules in memory; these triggers tell every API process when a row
-- it may hold changes (platform/db/invalidations.ts). The NOTIFY is sent when the change commits, so a process
-- that hears it and reads again sees the new row. The payload is `<table>:<the key its cache uses>`.
CREATE FUNCTION notify_cache_invalidation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_data jsonb := to_jsonb(CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END);
BEGIN
  PERFORM pg_notify('sluice_invalidate', TG_TABLE_NAME || ':' || (row_data ->> TG_ARGV[0]));
  RETURN NULL;
END;
$$;

-- what a principal is made of (login secrets and second factor are read fresh where they are used)
CREATE TRIGGER users_invalidate AFTER UPDATE OF email, role, ip_allowlist, disabled_at OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('id');
-- not last_used_at: touching a key must not flush it
CREATE TRIGGER api_keys_invalidate AFTER UPDATE OF user_id, secret_sealed, revoked_at OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('id');
CREATE TRIGGER transfer_settings_invalidate AFTER INSERT OR UPDATE OR DELETE ON transfer_settings
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('currency');
