-- One sweeper per chain moves every open sweep on each tick, and looks now and then for wallets whose credited
-- deposits no sweep covers: both read by chain, so both get an index of what is still open.
CREATE INDEX evm_sweeps_open_by_chain ON evm_sweeps (chain, id)
  WHERE status NOT IN ('confirmed', 'failed', 'cancelled');
CREATE INDEX evm_observations_uncollected ON evm_deposit_observations (chain, deposit_id) WHERE collected_by IS NULL;

-- Why the sweeper's last try of an open sweep failed (it tries again on its next tick); cleared when a try succeeds.
ALTER TABLE evm_sweeps ADD COLUMN last_error text;
