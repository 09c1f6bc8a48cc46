-- The API keeps the current rates, the rate sources and the pairs in memory (services/rates/current-rates.ts); these
-- triggers tell every API process when one changes (platform/db/invalidations.ts), so an operator's change or a
-- refresh's new rates reach quotes and conversions within milliseconds instead of at the end of a time-to-live.
CREATE TRIGGER pairs_invalidate AFTER INSERT OR UPDATE OR DELETE ON pairs
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('code');
CREATE TRIGGER rate_sources_invalidate AFTER INSERT OR UPDATE OR DELETE ON rate_sources
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('pair');
CREATE TRIGGER exchange_rates_invalidate AFTER INSERT ON exchange_rates
  FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('pair');
