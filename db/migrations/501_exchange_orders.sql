-- The spot exchange: orders (with their holds in the ledger), the per-pair command journal the matching engine
-- replays, its snapshots, and trades. The journal is the truth of the book: every accepted command gets its sequence
-- number here, in the transaction that holds the order's funds, before the engine applies it.

-- drawn before the hold, so the hold's ledger key can name the order (order:<id>:hold:0)
CREATE SEQUENCE orders_id_seq;

CREATE TABLE orders (
  id              bigint PRIMARY KEY DEFAULT nextval('orders_id_seq'),
  user_id         uuid NOT NULL REFERENCES users (id),
  pair            text NOT NULL REFERENCES pairs (code),
  side            text NOT NULL CHECK (side IN ('buy', 'sell')),
  type            text NOT NULL CHECK (type IN ('limit', 'market')),
  price           numeric(78, 0) CHECK (price > 0),
  amount          numeric(78, 0) CHECK (amount > 0),
  quote_amount    numeric(78, 0) CHECK (quote_amount > 0),
  time_in_force   text NOT NULL CHECK (time_in_force IN ('GTC', 'IOC', 'FOK')),
  post_only       boolean NOT NULL DEFAULT false,
  client_order_id text CHECK (length(client_order_id) <= 64),
  idempotency_key text NOT NULL,
  hold_currency   text NOT NULL REFERENCES currencies (code),
  hold_amount     numeric(78, 0) NOT NULL CHECK (hold_amount > 0),
  -- 'new' until the engine's result is settled
  status          text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'filled', 'cancelled', 'rejected')),
  reason          text,
  filled_amount   numeric(78, 0) NOT NULL DEFAULT 0,
  filled_quote    numeric(78, 0) NOT NULL DEFAULT 0,
  -- in what the order receives: base for a buy, quote for a sell
  fee             numeric(78, 0) NOT NULL DEFAULT 0,
  -- what is still held in the ledger for it
  held            numeric(78, 0) NOT NULL,
  seq             bigint NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key),
  CHECK ((amount IS NULL) <> (quote_amount IS NULL))
);
CREATE INDEX orders_by_user ON orders (user_id, id DESC);
CREATE INDEX orders_open ON orders (pair, id) WHERE status IN ('new', 'open');

CREATE TABLE exchange_journal (
  pair       text NOT NULL REFERENCES pairs (code),
  seq        bigint NOT NULL CHECK (seq > 0),
  command    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pair, seq)
);

CREATE FUNCTION exchange_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'exchange_journal is append-only';
END $$;

CREATE TRIGGER exchange_journal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON exchange_journal
  FOR EACH STATEMENT EXECUTE FUNCTION exchange_journal_append_only();

-- how far settlement has gone: commands after settled_seq are settled again (idempotently) after a restart
CREATE TABLE exchange_markets (
  pair        text PRIMARY KEY REFERENCES pairs (code),
  settled_seq bigint NOT NULL DEFAULT 0,
  -- set by the market:<pair> workflow when an operator halts it: no new orders (cancels still go through)
  halted      text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- the engine's book and the open orders' funds at a settled sequence number, with the engine's state hash
CREATE TABLE exchange_snapshots (
  pair       text NOT NULL REFERENCES pairs (code),
  seq        bigint NOT NULL,
  state      jsonb NOT NULL,
  state_hash text NOT NULL,
  -- 'engine': taken from the live engine (the audit replays the journal to compare); 'checkpoint': by the market
  -- workflow, replaying the journal from the previous snapshot, so recovery replays less
  source     text NOT NULL DEFAULT 'engine' CHECK (source IN ('engine', 'checkpoint')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pair, seq)
);

CREATE TABLE trades (
  -- across pairs, in the order trades were settled: the cursor of a user's trade history
  no            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  pair          text NOT NULL REFERENCES pairs (code),
  id            bigint NOT NULL,
  seq           bigint NOT NULL,
  price         numeric(78, 0) NOT NULL,
  amount        numeric(78, 0) NOT NULL,
  quote_amount  numeric(78, 0) NOT NULL,
  taker_side    text NOT NULL CHECK (taker_side IN ('buy', 'sell')),
  buy_order_id  bigint NOT NULL REFERENCES orders (id),
  sell_order_id bigint NOT NULL REFERENCES orders (id),
  buyer_id      uuid NOT NULL REFERENCES users (id),
  seller_id     uuid NOT NULL REFERENCES users (id),
  buyer_fee     numeric(78, 0) NOT NULL,
  seller_fee    numeric(78, 0) NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pair, id)
);
CREATE INDEX trades_by_buy_order ON trades (buy_order_id);
CREATE INDEX trades_by_sell_order ON trades (sell_order_id);
CREATE INDEX trades_by_buyer ON trades (buyer_id, no DESC);
CREATE INDEX trades_by_seller ON trades (seller_id, no DESC);
