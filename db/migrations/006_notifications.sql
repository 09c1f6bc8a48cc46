-- Notifications for users (settled bets, credited deposits) and for operators (user_id null: alerts such as a low
-- gas keeper balance). The key makes each one idempotent: a retried activity does not notify twice.
CREATE TABLE notifications (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key        text NOT NULL UNIQUE,
  user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
  kind       text NOT NULL,
  severity   text NOT NULL DEFAULT 'info' CHECK (severity IN ('info', 'warning', 'critical')),
  title      text NOT NULL,
  body       jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz
);
CREATE INDEX notifications_by_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_for_operators ON notifications (id DESC) WHERE user_id IS NULL;
