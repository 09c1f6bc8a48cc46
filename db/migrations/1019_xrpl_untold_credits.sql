-- Held XRPL deposits credited (by an operator, or released by a later deposit) whose workflow has not been told yet:
-- queued in the crediting transaction, removed once told. A tell that failed (Temporal away) was only logged, and the
-- workflow showed `held` for good; now the releasing workflow, the operator's request and the worker's sweep tell
-- what is queued until it goes through.
CREATE TABLE xrpl_untold_credits (
  deposit_id bigint PRIMARY KEY REFERENCES deposits (id),
  queued_at  timestamptz NOT NULL DEFAULT now()
);
