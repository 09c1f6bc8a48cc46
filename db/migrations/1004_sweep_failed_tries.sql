-- How many of the sweeper's tries of an open sweep have failed in a row, and since when (cleared with last_error when a
-- try succeeds): a sweep whose failure does not pass alerts operators once, instead of failing only in the logs.
ALTER TABLE evm_sweeps ADD COLUMN failed_tries integer NOT NULL DEFAULT 0, ADD COLUMN failing_since timestamptz;
