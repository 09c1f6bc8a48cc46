-- The dashboard's volume per day: invoices paid, spot trades and fast-exchange swaps, each read by a time range.
CREATE INDEX invoices_paid_by_day ON invoices (updated_at) WHERE status IN ('settled', 'paid_over', 'marked_settled');
CREATE INDEX trades_by_time ON trades (created_at);
CREATE INDEX exchange_quotes_by_time ON exchange_quotes (created_at);
-- The deposits page lists the held deposits first: a few rows among all deposits.
CREATE INDEX deposits_held ON deposits (id) WHERE status = 'held';
