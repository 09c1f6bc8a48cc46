-- OHLCV candles per pair and period, built from trades as they settle (only trades inserted for the first time count,
-- so settling a batch again after a crash does not count its volume twice). Weeks start on Monday (UTC).
CREATE TABLE candles (
  pair         text NOT NULL REFERENCES pairs (code),
  period       text NOT NULL CHECK (period IN ('1m', '5m', '15m', '1h', '4h', '1d', '1w')),
  open_time    timestamptz NOT NULL,
  open         numeric(78, 0) NOT NULL,
  high         numeric(78, 0) NOT NULL,
  low          numeric(78, 0) NOT NULL,
  close        numeric(78, 0) NOT NULL,
  volume       numeric(78, 0) NOT NULL,
  quote_volume numeric(78, 0) NOT NULL,
  trades       integer NOT NULL,
  -- the trades that set open and close: a later batch's trades compare by id
  first_trade  bigint NOT NULL,
  last_trade   bigint NOT NULL,
  PRIMARY KEY (pair, period, open_time)
);
