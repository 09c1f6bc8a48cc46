-- The gas keeper funds a token deposit's wallet while the deposit confirms (an early funding, key
-- `gas:<chain>:<address>:<first deposit id>`); the sweep that later collects the wallet claims it, so it is not funded
-- twice: one early funding serves one sweep at most.
ALTER TABLE evm_sweeps ADD COLUMN early_funding_key text;
CREATE UNIQUE INDEX evm_sweeps_early_funding ON evm_sweeps (early_funding_key) WHERE early_funding_key IS NOT NULL;
-- the keeper and the sweeps look for a wallet's early fundings by the wallet they were sent to
CREATE INDEX evm_sends_gas_funding_by_wallet ON evm_sends (chain, to_address) WHERE purpose = 'gas-funding';
