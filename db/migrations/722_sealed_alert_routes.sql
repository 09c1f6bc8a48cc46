-- A Slack incoming-webhook URL is a credential: its alert route keeps it sealed (AES-256-GCM under a key derived from
-- SECRET_KEY); `target` then holds only what operators see and what tells two routes apart (origin and a keyed digest).
-- Routes saved before are sealed by the worker at start-up.
ALTER TABLE alert_routes ADD COLUMN target_sealed text;
