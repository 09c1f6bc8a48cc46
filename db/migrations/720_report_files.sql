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

-- Minor units as a decimal string with exactly `scale` places: 1250, 2 -> '12.50'; -5, 3 -> '-0.005'. Multiplying by
-- 10^-scale is exact in numeric, and round() to `scale` places fixes how many digits the text shows.
CREATE FUNCTION format_amount(minor numeric, scale int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(minor * 10::numeric ^ (-scale), scale)::text
$$;

-- A timestamp as JavaScript's toISOString writes it (UTC, milliseconds).
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
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
