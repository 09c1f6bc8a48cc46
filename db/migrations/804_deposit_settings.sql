-- Deposits kept rather than credited (Peatio #2790): below the minimum or while deposits are off, a deposit is held
-- and credited with the next deposit on its address that brings the total to the minimum; above the maximum it is
-- held for an operator. The fee the user paid and what the provider cost us are recorded on each credited deposit.
ALTER TABLE deposits DROP CONSTRAINT deposits_status_check;
ALTER TABLE deposits
  ADD CONSTRAINT deposits_status_check CHECK (status IN ('pending', 'held', 'credited', 'dropped')),
  ADD COLUMN hold_reason text CHECK (hold_reason IN ('below_minimum', 'deposits_disabled', 'above_maximum')),
  ADD COLUMN fee numeric(78, 0) CHECK (fee >= 0),
  ADD COLUMN provider_cost numeric(78, 0) CHECK (provider_cost >= 0),
  -- the deposit whose credit included this held one (its own id when credited by itself)
  ADD COLUMN credited_with bigint REFERENCES deposits (id),
  ADD CONSTRAINT deposits_held_have_reason CHECK ((status = 'held') = (hold_reason IS NOT NULL));
CREATE INDEX deposits_held_by_address ON deposits (user_id, currency, address) WHERE status = 'held';
