-- Numbered 690, outside the exchange's 510–519: it alters rate_sources, which 600_rates.sql creates, and no helper
-- holds the 69x numbers.
-- A rate source of kind 'market': the pair's last trade price on our own spot exchange, observed when it traded, so
-- it goes stale after max_age_seconds without trades as an exchange's ticker does when it stops coming.
ALTER TABLE rate_sources DROP CONSTRAINT rate_sources_kind_check;
ALTER TABLE rate_sources ADD CONSTRAINT rate_sources_kind_check
  CHECK (kind IN ('static', 'formula', 'external', 'market'));
