-- Notifications over email, Telegram and Slack (issue 14). The notifications table is the outbox: a row recorded in its
-- feature's transaction is routed later by the worker's dispatcher (dispatched_at), which creates its deliveries and
-- starts the delivery workflow `notification:<id>`. Rows recorded before this migration are not delivered again.
ALTER TABLE notifications ADD COLUMN dispatched_at timestamptz;
UPDATE notifications SET dispatched_at = created_at;
CREATE INDEX notifications_undispatched ON notifications (id) WHERE dispatched_at IS NULL;

-- One template per event type and channel; the API refuses a template that does not render its event's sample.
CREATE TABLE notification_templates (
  event_type text NOT NULL,
  channel    text NOT NULL CHECK (channel IN ('email', 'telegram', 'slack')),
  subject    text NOT NULL DEFAULT '',
  body       text NOT NULL,
  updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_type, channel)
);

-- The channels a user chose per event type; no row: the defaults (domain/notifications/events.ts).
CREATE TABLE notification_preferences (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  channels   text[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, event_type)
);

-- A user's Telegram chat, linked by sending the bot a one-time code (only its hash is kept).
CREATE TABLE telegram_chats (
  user_id   uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  chat_id   bigint NOT NULL UNIQUE,
  username  text,
  linked_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE telegram_link_codes (
  code_hash  text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

-- Where operator alerts go: a Slack incoming webhook or a Telegram chat, for one alert type or all ('*').
CREATE TABLE alert_routes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type   text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('slack', 'telegram', 'email')),
  target       text NOT NULL,
  min_severity text NOT NULL DEFAULT 'info' CHECK (min_severity IN ('info', 'warning', 'critical')),
  created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_type, channel, target)
);

-- A broadcast to all users or a filtered group; its workflow `broadcast:<id>` is started after the row commits.
CREATE TABLE broadcasts (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title            text NOT NULL,
  message          text NOT NULL,
  channels         text[] NOT NULL,
  audience         jsonb NOT NULL DEFAULT '{}',
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'cancelled')),
  sent             int NOT NULL DEFAULT 0,
  failed           int NOT NULL DEFAULT 0,
  created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  workflow_started boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX broadcasts_unstarted ON broadcasts (created_at) WHERE NOT workflow_started;

-- Every send, keyed so that a retried workflow or activity never sends twice: the row is claimed ('sending') before
-- the send and marked after it. A claim found without its outcome (the worker died mid-send) becomes 'uncertain' and
-- is not sent again.
CREATE TABLE notification_deliveries (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key             text NOT NULL UNIQUE,
  notification_id bigint REFERENCES notifications (id) ON DELETE CASCADE,
  broadcast_id    bigint REFERENCES broadcasts (id) ON DELETE CASCADE,
  user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
  event_type      text NOT NULL,
  channel         text NOT NULL CHECK (channel IN ('email', 'telegram', 'slack')),
  target          text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
  attempts        int NOT NULL DEFAULT 0,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX notification_deliveries_recent ON notification_deliveries (id DESC);
CREATE INDEX notification_deliveries_of_notification ON notification_deliveries (notification_id) WHERE notification_id IS NOT NULL;
CREATE INDEX notification_deliveries_of_broadcast ON notification_deliveries (broadcast_id, status) WHERE broadcast_id IS NOT NULL;

-- Default templates. Mail: a plain subject and an HTML body. Telegram: MarkdownV2 (the literal . ! - ( ) escaped).
-- Slack: mrkdwn. Placeholders are escaped for the channel when rendered.
INSERT INTO notification_templates (event_type, channel, subject, body) VALUES
  ('deposit_credited', 'email', '{{title}}',
   '<p>Your deposit of <b>{{amount}} {{currency}}</b> is credited to your balance.</p><p>Transaction: <code>{{tx_hash}}</code> on {{chain}}</p>'),
  ('deposit_credited', 'telegram', '', '*Deposit credited*' || chr(10) || '{{amount}} {{currency}} is on your balance\.' || chr(10) || 'Transaction: `{{tx_hash}}`'),
  ('withdrawal_code', 'email', 'Your Sluice withdrawal code: {{code}}',
   '<p>Confirm your withdrawal of {{amount}} {{currency}} to <code>{{address}}</code> with this code:</p><p><b>{{code}}</b></p><p>It expires in {{minutes}} minutes and works once. If you did not ask for this withdrawal, cancel it and change your password.</p><p>Withdrawal {{withdrawal_id}}</p>'),
  ('withdrawal_code', 'telegram', '', 'Your Sluice withdrawal code: *{{code}}*' || chr(10) || 'Withdrawal {{withdrawal_id}} of {{amount}} {{currency}}\. It expires in {{minutes}} minutes\.'),
  ('withdrawal_status', 'email', '{{title}}',
   '<p>{{title}}: {{amount}} {{currency}}.</p>{{#if tx_hash}}<p>Transaction: <code>{{tx_hash}}</code></p>{{/if}}<p>Withdrawal {{withdrawal_id}}</p>'),
  ('withdrawal_status', 'telegram', '', '*{{title}}*' || chr(10) || '{{amount}} {{currency}}, withdrawal {{withdrawal_id}}'),
  ('invoice_paid', 'email', '{{title}}', '<p>Invoice {{invoice_id}} of {{merchant}} is paid: {{amount}} {{currency}}.</p>'),
  ('invoice_paid', 'telegram', '', '*{{title}}*' || chr(10) || '{{amount}} {{currency}}'),
  ('order_filled', 'email', '{{title}}', '<p>Your {{side}} order {{order_id}} on {{pair}} was filled: {{quantity}} at {{price}}.</p>'),
  ('order_filled', 'telegram', '', '*{{title}}*' || chr(10) || '{{quantity}} at {{price}}'),
  ('bet_settled', 'email', '{{title}}', '<p>{{event_title}}: your bet #{{bet_id}} of {{stake}} {{currency}} at {{coefficient}} is {{status}}.</p>'),
  ('bet_settled', 'telegram', '', '*{{title}}*' || chr(10) || '{{event_title}}'),
  ('login_new_ip', 'email', '{{title}}', '<p>Your account was signed in to from {{ip}} at {{at}}.</p><p>If this was not you, change your password now.</p>'),
  ('login_new_ip', 'telegram', '', '*{{title}}*' || chr(10) || 'From {{ip}} at {{at}}'),
  ('gas_keeper_low', 'slack', '', ':warning: *{{title}}*' || chr(10) || 'Balance {{balance}}, minimum {{threshold}}, {{queued}} requests queued. Wallet `{{address}}`'),
  ('gas_keeper_low', 'telegram', '', '⚠️ *{{title}}*' || chr(10) || 'Balance {{balance}}, minimum {{threshold}}\.'),
  ('audit_drift', 'slack', '', ':rotating_light: *{{title}}*' || chr(10) || '{{drifts}} drifts in {{currencies}} (audit {{audit_id}})'),
  ('audit_drift', 'telegram', '', '🚨 *{{title}}*' || chr(10) || '{{drifts}} drifts in {{currencies}}'),
  ('reconciliation_drift', 'slack', '', ':rotating_light: *{{title}}*' || chr(10) || '{{drift}} {{currency}} unexplained on {{account}} (threshold {{threshold}})'),
  ('reconciliation_drift', 'telegram', '', '🚨 *{{title}}*' || chr(10) || '{{drift}} {{currency}} on {{account}}'),
  ('withdrawals_awaiting_approval', 'slack', '', ':hourglass: *{{title}}*' || chr(10) || 'Withdrawal {{withdrawal_id}}: {{amount}} {{currency}} ({{reasons}})'),
  ('withdrawals_awaiting_approval', 'telegram', '', '⏳ *{{title}}*' || chr(10) || 'Withdrawal {{withdrawal_id}}: {{amount}} {{currency}}'),
  ('webhook_endpoint_failing', 'slack', '', ':warning: *{{title}}*' || chr(10) || '{{failures}} failures, last status {{last_status}}'),
  ('webhook_endpoint_failing', 'telegram', '', '⚠️ *{{title}}*' || chr(10) || '{{failures}} failures, last status {{last_status}}'),
  ('other', 'email', '{{title}}', '<p>{{title}}</p>'),
  ('other', 'telegram', '', '*{{title}}*'),
  ('other', 'slack', '', '*{{title}}* ({{severity}}, {{kind}})'),
  ('broadcast', 'email', '{{title}}', '<h3>{{title}}</h3><p>{{message}}</p>'),
  ('broadcast', 'telegram', '', '*{{title}}*' || chr(10) || '{{message}}');
