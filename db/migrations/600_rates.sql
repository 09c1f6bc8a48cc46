-- Exchange rates. Pairs stay one table with the spot exchange: a pair with spot = false is priced (rates, fast
-- exchange) but has no order book. Every priced pair has one source: an operator's static price, a formula over
-- other pairs, or an exchange's ticker read through ccxt. Each refresh appends every pair's mid rate to
-- exchange_rates as an exact fraction (mid_num / mid_den, whole quote units per whole base unit), with the time the
-- prices under it were observed (null for a static price, which never goes stale).

ALTER TABLE pairs ADD COLUMN spot boolean NOT NULL DEFAULT true;

INSERT INTO pairs (code, base, quote, tick_size, lot_size, min_amount, max_amount, spot) VALUES
  ('USD-UAH', 'USD', 'UAH', 1, 100, 100, 100000000000, false),
  ('USDT-USD', 'USDT', 'USD', 1, 1000000, 1000000, 1000000000000000, false),
  ('USDT-UAH', 'USDT', 'UAH', 1, 1000000, 1000000, 1000000000000000, false)
ON CONFLICT (code) DO NOTHING;

CREATE TABLE rate_sources (
  pair            text PRIMARY KEY REFERENCES pairs (code),
  kind            text NOT NULL CHECK (kind IN ('static', 'formula', 'external')),
  -- static: the operator's price, quote per one base unit
  static_rate     numeric CHECK (static_rate > 0),
  -- formula: [{"pair": "USDT-USD", "invert": false}, …], multiplied in order (domain/rates/sources.ts checks the chain)
  legs            jsonb,
  -- external: a ccxt exchange id and its unified symbol
  exchange        text CHECK (exchange ~ '^[a-z][a-z0-9]{1,29}$'),
  symbol          text CHECK (symbol ~ '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$'),
  spread_ppm      integer NOT NULL DEFAULT 0 CHECK (spread_ppm BETWEEN 0 AND 500000),
  max_age_seconds integer NOT NULL DEFAULT 60 CHECK (max_age_seconds BETWEEN 1 AND 86400),
  updated_by      text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'static') = (static_rate IS NOT NULL)),
  CHECK ((kind = 'formula') = (legs IS NOT NULL)),
  CHECK ((kind = 'external') = (exchange IS NOT NULL AND symbol IS NOT NULL))
);

CREATE TABLE exchange_rates (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pair        text NOT NULL REFERENCES pairs (code),
  mid_num     numeric NOT NULL CHECK (mid_num > 0),
  mid_den     numeric NOT NULL CHECK (mid_den > 0),
  spread_ppm  integer NOT NULL,
  source      text NOT NULL,
  as_of       timestamptz,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX exchange_rates_by_pair ON exchange_rates (pair, recorded_at DESC, id DESC);

-- What a fresh database prices with: no exchange is reachable from the dev stack, so every source is static or a
-- formula until an operator points a pair at an exchange (PUT /v1/ops/pairs/{pair}/rate-source).
INSERT INTO rate_sources (pair, kind, static_rate, legs, spread_ppm) VALUES
  ('BTC-USDT', 'static', 90000, NULL, 2000),
  ('ETH-USDT', 'static', 3000, NULL, 2000),
  ('XRP-USDT', 'static', 2.2, NULL, 2000),
  ('USDT-USD', 'static', 1, NULL, 1000),
  ('USD-UAH', 'static', 41.5, NULL, 2000),
  ('USDT-UAH', 'formula', NULL, '[{"pair": "USDT-USD", "invert": false}, {"pair": "USD-UAH", "invert": false}]', 5000)
ON CONFLICT (pair) DO NOTHING;

-- and their first rates, so a fresh database quotes before the first refresh (USDT-UAH = 1 × 41.5)
INSERT INTO exchange_rates (pair, mid_num, mid_den, spread_ppm, source, as_of)
SELECT pair, num, den, spread_ppm, kind, NULL FROM rate_sources
JOIN (VALUES ('BTC-USDT', 90000, 1), ('ETH-USDT', 3000, 1), ('XRP-USDT', 11, 5), ('USDT-USD', 1, 1), ('USD-UAH', 83, 2),
             ('USDT-UAH', 83, 2)) AS seed (code, num, den) ON seed.code = rate_sources.pair;
