-- Reports operators asked for (on demand, or run by one of their schedules) and the schedules themselves. A report's
-- file lives in DATA_DIR (file_path, written by the worker); the row says how far its workflow got.
CREATE TABLE reports (
  id               uuid PRIMARY KEY,
  type             text NOT NULL,
  format           text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  period_from      timestamptz NOT NULL,
  period_to        timestamptz NOT NULL CHECK (period_to > period_from),
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  requested_by     uuid REFERENCES users (id),
  -- no foreign key: a schedule's past reports stay when it is deleted
  schedule_id      uuid,
  workflow_id      text NOT NULL UNIQUE,
  email_to         text,
  file_path        text,
  rows             bigint,
  bytes            bigint,
  error            text,
  emailed_at       timestamptz,
  workflow_started boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX reports_recent ON reports (created_at DESC, id DESC);
CREATE INDEX reports_unstarted ON reports (created_at) WHERE NOT workflow_started;

-- Mirrors the Temporal Schedule `report-schedule:<id>`, which is what runs them; the row is what the API lists.
CREATE TABLE report_schedules (
  id         uuid PRIMARY KEY,
  type       text NOT NULL,
  format     text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  period     text NOT NULL CHECK (period IN ('day', 'week', 'month')),
  cron       text NOT NULL,
  email_to   text,
  paused     boolean NOT NULL DEFAULT false,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
