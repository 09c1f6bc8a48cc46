-- A deposit's identity in its transaction, independent of the block it lands in. A token transfer was keyed by its log
-- index, which counts the logs of the whole block: a reorg deeper than the confirmations that put the same transfer
-- in another block, at another index, recorded it as a new deposit and credited it again. Its key is now the token,
-- the address paid and its rank among that transaction's transfers of the token to the address (`<token>:<to>:<n>`);
-- ether keeps its index (0 for the transaction's own value, 1,000,000,000 + the trace position for an inner call), and
-- so does an XRPL payment (0). The rank of a recorded token deposit is read from the deposits themselves: every positive
-- transfer of a watched token to a deposit address is recorded, those still standing first, so a transfer a shallow
-- reorg recorded twice (dropped at one index, recorded again at another) finds the row that stands.
ALTER TABLE deposits ADD COLUMN event_key text;
UPDATE deposits d SET event_key = ranked.key
FROM (
  SELECT d.id, o.token_contract || ':' || d.address || ':' || (row_number() OVER (
    PARTITION BY d.chain, d.tx_hash, o.token_contract, d.address ORDER BY d.status = 'dropped', d.event_index) - 1) AS key
  FROM deposits d JOIN evm_deposit_observations o ON o.deposit_id = d.id
  WHERE o.token_contract IS NOT NULL
) ranked
WHERE d.id = ranked.id;
UPDATE deposits SET event_key = event_index::text WHERE event_key IS NULL;
ALTER TABLE deposits ALTER COLUMN event_key SET NOT NULL,
  DROP CONSTRAINT deposits_chain_tx_hash_event_index_key,
  ADD CONSTRAINT deposits_chain_tx_hash_event_key_key UNIQUE (chain, tx_hash, event_key);
