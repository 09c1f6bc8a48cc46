-- A delivery's first attempt is made by the worker straight from this table, outside Temporal, under a lease that keeps
-- every other worker and the sweep off it; its workflow is started only when that attempt asks for a retry (or by the
-- sweep, for a delivery whose lease ran out: its worker died). So the deliveries waiting are the pending ones not
-- started, and one delivered at its first attempt never has a workflow.
ALTER TABLE webhook_deliveries ADD COLUMN first_attempt_lease_until timestamptz;
DROP INDEX webhook_deliveries_unstarted;
CREATE INDEX webhook_deliveries_unstarted ON webhook_deliveries (created_at) WHERE NOT workflow_started AND status = 'pending';
