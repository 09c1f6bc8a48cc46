-- Accounts carry what settings depend on: a group (set by operators), an account type (kinds as data) and a
-- verification level (KYC tiers). Settings of every operation live in one store of layers (services/settings): per
-- operation and subject (currency or pair), a default layer, and overrides per verification level, group and user,
-- each naming only the fields it sets (domain/settings/resolve.ts decides which wins).

CREATE TABLE user_groups (
  id         text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_-]{0,39}$'),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE account_types (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_-]{0,39}$'),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO account_types (code, name) VALUES ('individual', 'Individual'), ('merchant', 'Merchant');

ALTER TABLE users
  ADD COLUMN group_id text REFERENCES user_groups (id),
  ADD COLUMN account_type text NOT NULL DEFAULT 'individual' REFERENCES account_types (code),
  ADD COLUMN verification_level integer NOT NULL DEFAULT 0 CHECK (verification_level BETWEEN 0 AND 99);
CREATE INDEX users_by_group ON users (group_id) WHERE group_id IS NOT NULL;
-- the cached principal carries group and level, which choose the settings that apply to the user
CREATE TRIGGER users_settings_invalidate AFTER UPDATE OF group_id, verification_level ON users
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('id');

CREATE TABLE operation_settings (
  operation  text NOT NULL CHECK (operation ~ '^[a-z][a-z0-9_-]{0,39}$'),
  subject    text NOT NULL CHECK (subject ~ '^[A-Z][A-Z0-9]{1,9}(-[A-Z][A-Z0-9]{1,9})?$'),
  scope      text NOT NULL CHECK (scope IN ('default', 'level', 'group', 'user')),
  scope_id   text NOT NULL,
  -- only the fields this layer sets: amounts as minor-unit strings, percents as strings, null for "no limit"
  fields     jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'object'),
  -- what the API's cache is keyed by, for the invalidation trigger
  cache_key  text GENERATED ALWAYS AS (operation || ':' || subject) STORED,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES users (id),
  PRIMARY KEY (operation, subject, scope, scope_id),
  CHECK ((scope = 'default') = (scope_id = ''))
);
CREATE INDEX operation_settings_by_holder ON operation_settings (scope, scope_id) WHERE scope <> 'default';
CREATE TRIGGER operation_settings_invalidate AFTER INSERT OR UPDATE OR DELETE ON operation_settings
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('cache_key');

-- the per-currency tables become default layers
INSERT INTO operation_settings (operation, subject, scope, scope_id, fields, updated_at, updated_by)
SELECT 'transfers', currency, 'default', '',
       jsonb_build_object('enabled', enabled, 'min_amount', min_amount::text, 'max_amount', max_amount::text,
                          'daily_limit', daily_limit::text, 'fee_fixed', fee_fixed::text,
                          'fee_percent', trim_scale(fee_rate_ppm::numeric / 10000)::text),
       updated_at, updated_by
FROM transfer_settings;
INSERT INTO operation_settings (operation, subject, scope, scope_id, fields, updated_at, updated_by)
SELECT 'withdrawals', currency, 'default', '',
       jsonb_build_object('enabled', enabled, 'min_amount', min_amount::text, 'max_amount', max_amount::text,
                          'daily_limit', daily_limit::text, 'monthly_limit', monthly_limit::text,
                          'fee_fixed', fee_fixed::text, 'fee_percent', trim_scale(fee_rate_ppm::numeric / 10000)::text,
                          'approval_threshold', approval_threshold::text, 'confirmations', confirmations),
       updated_at, updated_by
FROM withdrawal_settings;
DROP TABLE transfer_settings;
DROP TABLE withdrawal_settings;
