-- A custody top-up's identity in its transaction, independent of the block it lands in, as a deposit's (1009): a token
-- transfer keyed by its log index, which counts the logs of the whole block, was recorded again when a reorg deeper
-- than the confirmations mined it in another block at another index, and booked a second time. Its key is now the
-- token, the address paid and its rank among that transaction's positive transfers of the token to the address
-- (`<token>:<to>:<n>`, the scanner's `tokenTransferKey`); ether keeps its index. The rank of a recorded token top-up
-- is read from the top-ups themselves (every positive transfer of a watched token to a custody wallet is recorded, one
-- in a replaced block deleted unless booked), those in standing blocks first: what the listener sees again. Booked
-- rows stay booked, their ledger transfers under the keys they were booked with (`custody-inflow:<chain>:<tx>:<log
-- index>`); only unbooked rows are booked, under `custody-inflow:<chain>:<tx>:<event key>`.
ALTER TABLE custody_inflows ADD COLUMN event_key text;
UPDATE custody_inflows i SET event_key = ranked.key
FROM (
  SELECT i.chain, i.tx_hash, i.event_index, lower(c.token_contract) || ':' || i.address || ':' || (row_number() OVER (
    PARTITION BY i.chain, i.tx_hash, i.currency, i.address
    ORDER BY exists (
      SELECT 1 FROM evm_blocks b WHERE b.chain = i.chain AND b.number = i.block_number AND b.hash <> i.block_hash),
    i.event_index) - 1) AS key
  FROM custody_inflows i JOIN currencies c ON c.code = i.currency
  WHERE c.token_contract IS NOT NULL
) ranked
WHERE i.chain = ranked.chain AND i.tx_hash = ranked.tx_hash AND i.event_index = ranked.event_index;
UPDATE custody_inflows SET event_key = event_index::text WHERE event_key IS NULL;
ALTER TABLE custody_inflows ALTER COLUMN event_key SET NOT NULL,
  DROP CONSTRAINT custody_inflows_pkey,
  ADD PRIMARY KEY (chain, tx_hash, event_key);
-- A transaction has one block in the chain: a token top-up sighted in two blocks was mined again by a deep reorg before
-- this migration. Its sighting in the replaced block stayed (booked), the new one is the same transfer (the same rank
-- in its sighting): booked already, never again under its new key.
WITH sighted AS (
  SELECT chain, tx_hash, event_index, currency, address, block_hash, booked,
    row_number() OVER (PARTITION BY chain, tx_hash, currency, address, block_hash ORDER BY event_index) AS n
  FROM custody_inflows
)
UPDATE custody_inflows i SET booked = true
FROM sighted s JOIN sighted twin ON twin.chain = s.chain AND twin.tx_hash = s.tx_hash AND twin.currency = s.currency
  AND twin.address = s.address AND twin.n = s.n AND twin.block_hash <> s.block_hash AND twin.booked
WHERE NOT i.booked AND s.chain = i.chain AND s.tx_hash = i.tx_hash AND s.event_index = i.event_index;
