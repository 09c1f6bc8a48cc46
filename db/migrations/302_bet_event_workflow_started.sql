-- Bet events start their workflow after the row commits, as withdrawals do (an outbox): the API starts it right after
-- the commit and the worker's sweep starts any it missed. Events published before this started theirs inside their
-- own transaction, so they count as started (a constant default marks them without rewriting the table).
ALTER TABLE bet_events ADD COLUMN workflow_started boolean NOT NULL DEFAULT true;
ALTER TABLE bet_events ALTER COLUMN workflow_started SET DEFAULT false;
CREATE INDEX bet_events_unstarted ON bet_events (created_at) WHERE NOT workflow_started;
