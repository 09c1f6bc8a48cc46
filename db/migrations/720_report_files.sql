-- Report files live in Postgres (issue 14): the worker writes a report's file in chunks as it is produced, and any API
-- replica streams it back, so no process needs the worker's disk. A chunk is stored uncompressed (CSV compresses, but
-- compressing a million-row report on every write costs more than the space it saves).
CREATE TABLE report_file_chunks (
  report_id uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  seq       int NOT NULL,
  data      bytea NOT NULL,
  PRIMARY KEY (report_id, seq)
);
ALTER TABLE report_file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE reports DROP COLUMN file_path;

-- What reports write, formatted by the server so that PostgreSQL produces CSV itself (COPY): the same text as
-- domain/money.ts formatAmount, platform/csv.ts and Date.toISOString (test/integration/report-formatting.test.ts).

-- A currency's minor unit as a numeric with exactly `scale` places (2 -> 0.01, 18 -> 1e-18, 0 -> 1): an amount in minor
-- units times its unit is exact in numeric, and shows exactly `scale` places.
CREATE VIEW currency_units AS SELECT code, scale, ('1e-' || scale)::numeric AS unit FROM currencies;

-- Minor units as a decimal string in the currency's units: 1250 at 0.01 -> '12.50'; -5 at 0.001 -> '-0.005'.
CREATE FUNCTION format_amount(minor numeric, unit numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (minor * unit)::text
$$;

-- A timestamp as JavaScript's toISOString writes it (UTC, milliseconds; DateStyle ISO). A microsecond added to the
-- millisecond makes the text always carry six fractional digits, of which the first three are kept (to_char is slower).
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT overlay(left((date_trunc('milliseconds', t AT TIME ZONE 'UTC') + interval '1 microsecond')::text, 23) PLACING 'T' FROM 11) || 'Z'
$$;

-- A CSV cell a spreadsheet would run as a formula is defused with a leading quote, as platform/csv.ts does.
CREATE FUNCTION csv_safe(cell text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN left(cell, 1) IN ('=', '+', '-', '@', E'\t', E'\r') THEN '''' || cell ELSE cell END
$$;

-- A finished report is announced as the operator alert `report_ready`, so the alert routes operators set (Slack,
-- Telegram, mail) deliver it; Slack's incoming webhooks carry no files, so the message links to the download.
INSERT INTO notification_templates (event_type, channel, subject, body) VALUES
  ('report_ready', 'slack', '', ':bar_chart: *{{title}}*' || chr(10) || '{{rows}} rows, {{format}}: <{{url}}|download> (report {{report_id}})'),
  ('report_ready', 'telegram', '', '📊 *{{title}}*' || chr(10) || '{{rows}} rows, {{format}}: {{url}}'),
  ('report_ready', 'email', '{{title}}', '<p>{{title}}: {{rows}} rows, {{format}}.</p><p><a href="{{url}}">Download it</a> (report {{report_id}})</p>')
ON CONFLICT (event_type, channel) DO NOTHING;

-- Reconciliation runs are listed newest first, a page at a time (keyset on finished_at, id).
DROP INDEX reconciliations_recent;
CREATE INDEX reconciliations_recent ON reconciliations (finished_at DESC, id DESC);
