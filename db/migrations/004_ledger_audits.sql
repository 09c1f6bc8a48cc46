CREATE TABLE ledger_audits (
  id                uuid PRIMARY KEY,
  workflow_id       text NOT NULL UNIQUE,
  trigger           text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  requested_by      uuid REFERENCES users (id),
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz NOT NULL,
  ok                boolean NOT NULL,
  accounts_checked  integer NOT NULL,
  transfers_checked bigint NOT NULL,
  currencies        jsonb NOT NULL,
  drifts            jsonb NOT NULL
);
CREATE INDEX ledger_audits_recent ON ledger_audits (finished_at DESC);
