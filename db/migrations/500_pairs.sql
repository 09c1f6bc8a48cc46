-- Currency pairs, one table for the spot exchange and exchange rates alike. Sizes are minor units: tick_size is the
-- quote minor units between two allowed prices (a price being quote per one whole base unit), lot_size the base minor
-- units between two allowed amounts. Fees are parts per million of what each side receives. The service also checks
-- that one lot at one tick costs a whole number of quote minor units (domain/exchange/pairs.ts), so trades settle exactly.

CREATE TABLE pairs (
  code          text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$'),
  base          text NOT NULL REFERENCES currencies (code),
  quote         text NOT NULL REFERENCES currencies (code),
  tick_size     numeric(78, 0) NOT NULL CHECK (tick_size > 0),
  lot_size      numeric(78, 0) NOT NULL CHECK (lot_size > 0),
  min_amount    numeric(78, 0) NOT NULL,
  max_amount    numeric(78, 0) NOT NULL,
  maker_fee_ppm integer NOT NULL DEFAULT 1000 CHECK (maker_fee_ppm BETWEEN 0 AND 1000000),
  taker_fee_ppm integer NOT NULL DEFAULT 2000 CHECK (taker_fee_ppm BETWEEN 0 AND 1000000),
  enabled       boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (base, quote),
  CHECK (base <> quote),
  CHECK (min_amount >= lot_size AND max_amount >= min_amount AND min_amount % lot_size = 0 AND max_amount % lot_size = 0)
);

INSERT INTO pairs (code, base, quote, tick_size, lot_size, min_amount, max_amount) VALUES
  -- 0.01 USDT ticks, 0.0001 BTC lots, 0.0001 to 100 BTC
  ('BTC-USDT', 'BTC', 'USDT', 10000, 10000, 10000, 10000000000),
  -- 0.01 USDT ticks, 0.001 ETH lots, 0.001 to 1,000 ETH
  ('ETH-USDT', 'ETH', 'USDT', 10000, 1000000000000000, 1000000000000000, 1000000000000000000000),
  -- 0.0001 USDT ticks, 1 XRP lots, 1 to 1,000,000 XRP
  ('XRP-USDT', 'XRP', 'USDT', 100, 1000000, 1000000, 1000000000000)
ON CONFLICT (code) DO NOTHING;
