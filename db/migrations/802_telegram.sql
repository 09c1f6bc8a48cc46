-- Telegram accounts linked to users (Login Widget). A user created from Telegram has a placeholder email under the
-- reserved .invalid domain until they add a real one; they sign in through Telegram only.
CREATE TABLE telegram_accounts (
  telegram_id bigint PRIMARY KEY,
  user_id     uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  username    text,
  linked_at   timestamptz NOT NULL DEFAULT now()
);
