-- What Sluice owes its users, as the liabilities report and the console's dashboard count it: their balances, and the
-- payments held on their invoices' own accounts until each invoice settles (money paid to a merchant, not Sluice's).
-- Counting user accounts alone showed custody covering those payments as if they were a surplus.
CREATE FUNCTION owed_to_users(account text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT account LIKE 'user:%' OR account LIKE 'invoice:%'
$$;
