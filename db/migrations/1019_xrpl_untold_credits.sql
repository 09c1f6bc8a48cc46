-- The held deposits a later deposit's credit released are read by the deposit that released them (credited_with), to
-- tell their workflows and to convert the releasing deposit's sum: the column had no index, so each read scanned the
-- owner's deposits. Only released deposits (credited with another) are looked up, so only they are indexed, which keeps
-- the index small. Migrations run in one transaction (no CONCURRENTLY): the build holds writes back for one scan.
CREATE INDEX deposits_released_by ON deposits (credited_with, id) WHERE credited_with <> id;

-- Held XRPL deposits credited (by an operator, or released by a later deposit) whose workflow has not been told yet:
-- queued in the crediting transaction, removed once told. A tell that failed (Temporal away) was only logged, and the
-- workflow showed `held` for good; now the releasing workflow, the operator's request and the worker's sweep tell
-- what is queued until it goes through.
CREATE TABLE xrpl_untold_credits (
  deposit_id bigint PRIMARY KEY REFERENCES deposits (id),
  queued_at  timestamptz NOT NULL DEFAULT now()
);
