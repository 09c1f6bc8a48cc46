-- Operators recorded on what they do by hand: a held deposit credited (ops API or console) records who did.
ALTER TABLE deposits ADD COLUMN credited_by uuid REFERENCES users (id);
-- who set a bet event's result (a line provider, or an operator in the console)
ALTER TABLE bet_events ADD COLUMN result_set_by uuid REFERENCES users (id);
-- the console's EVM deposits by block
CREATE INDEX evm_observations_by_number ON evm_deposit_observations (block_number);
