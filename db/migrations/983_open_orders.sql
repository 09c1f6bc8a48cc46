-- Settlement rewrites an order's row (status, fills, fee, held, updated_at) once or twice in its life. `status` was in
-- the predicate of the open-orders index, and an update that changes an indexed column (key, expression or predicate)
-- is never HOT: a new row version on another page and an entry in each of the table's five indexes, every time. The
-- open orders are now listed in a table of their own and no index of `orders` names a column settlement writes, so its
-- updates are HOT when the row's page has room; the fillfactor leaves that room for an update of every row of the page.
--
-- `orders` has two writers, both the market's (services/exchange/): the statement that stores a batch's new orders
-- lists them here in the same statement, and settlement's update of their state removes those it closed, also in the
-- same statement (closed states are final: nothing comes back). Readers still filter by the order's status, so a row
-- missing here shows as a held-funds mismatch in the audit, never hides one.
--
-- Keyed by the order's id alone: an integer key is the cheapest entry to add and remove, and the pair (a filter of the
-- operators' list) is read beside it
CREATE TABLE open_orders (
  id   bigint PRIMARY KEY,
  pair text NOT NULL
);

INSERT INTO open_orders (id, pair) SELECT id, pair FROM orders WHERE status IN ('new', 'open');

DROP INDEX orders_open;
ALTER TABLE orders SET (fillfactor = 50);

-- the console's volumes and the trade reports read trades by time range only: a BRIN index answers that on a table
-- appended in time order, for a few pages of summaries instead of a b-tree entry per trade (trades are settled in
-- time order, and a range the summary over-reaches is rechecked); autosummarize has autovacuum summarize each range
-- once it is full, so the ranges not yet summarized (read whole by every scan) stay the last few
DROP INDEX trades_by_time;
CREATE INDEX trades_by_time ON trades USING brin (created_at) WITH (autosummarize = on);
