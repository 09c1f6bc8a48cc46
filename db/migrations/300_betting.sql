-- Betting: line providers publish events, users bet on them with stakes held in the ledger, each event's workflow
-- settles its bets when the event finishes. Coefficients are integer hundredths (1.85 = 185); amounts minor units.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('user', 'merchant', 'operator', 'admin', 'line_provider'));

CREATE TABLE bet_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title           text CHECK (length(title) <= 200),
  coefficient     integer NOT NULL CHECK (coefficient > 100),
  deadline        timestamptz NOT NULL,
  state           text NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'finished_win', 'finished_lose', 'cancelled')),
  created_by      uuid NOT NULL REFERENCES users (id),
  -- the line provider's Idempotency-Key, when it sent one: a retried POST returns the same event
  idempotency_key text,
  -- set by the event's workflow when its deadline timer fires; placement also compares the deadline with the clock
  book_closed_at  timestamptz,
  finished_at     timestamptz,
  settled_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (created_by, idempotency_key),
  CHECK ((state = 'new') = (finished_at IS NULL)),
  CHECK (settled_at IS NULL OR state <> 'new')
);
CREATE INDEX bet_events_by_state ON bet_events (state, id DESC);

-- bet ids are drawn before the stake is held, so the hold's ledger key can name the bet (bet:<id>:stake)
CREATE SEQUENCE bets_id_seq;

CREATE TABLE bets (
  id              bigint PRIMARY KEY DEFAULT nextval('bets_id_seq'),
  event_id        bigint NOT NULL REFERENCES bet_events (id),
  user_id         uuid NOT NULL REFERENCES users (id),
  currency        text NOT NULL REFERENCES currencies (code),
  amount          numeric(78, 0) NOT NULL CHECK (amount > 0),
  -- the event's coefficient when the bet was placed; later changes do not touch it
  coefficient     integer NOT NULL CHECK (coefficient > 100),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'won', 'lost', 'refunded')),
  -- what the user got back: stake × coefficient (won), 0 (lost), the stake (refunded)
  payout          numeric(78, 0) CHECK (payout >= 0),
  idempotency_key text NOT NULL,
  placed_at       timestamptz NOT NULL DEFAULT now(),
  settled_at      timestamptz,
  UNIQUE (user_id, idempotency_key),
  CHECK ((status = 'pending') = (settled_at IS NULL)),
  CHECK ((status = 'pending') = (payout IS NULL))
);
ALTER SEQUENCE bets_id_seq OWNED BY bets.id;
CREATE INDEX bets_by_user ON bets (user_id, id DESC);
CREATE INDEX bets_by_event ON bets (event_id, status);
-- settlement takes the next page of an event's unsettled bets from here
CREATE INDEX bets_pending_by_event ON bets (event_id, id) WHERE status = 'pending';

-- an event's bets by status and currency while it settles, kept by each settlement page in its own transaction, so
-- progress is a read of a few rows however many bets the event has
CREATE TABLE bet_event_tallies (
  event_id bigint NOT NULL REFERENCES bet_events (id),
  status   text NOT NULL CHECK (status IN ('pending', 'won', 'lost', 'refunded')),
  currency text NOT NULL REFERENCES currencies (code),
  bets     integer NOT NULL CHECK (bets >= 0),
  staked   numeric(78, 0) NOT NULL CHECK (staked >= 0),
  paid_out numeric(78, 0) NOT NULL CHECK (paid_out >= 0),
  PRIMARY KEY (event_id, status, currency)
);
