-- Merchant webhooks: endpoints (URL, subscribed event types, sealed signing secrets), events (the exact body posted),
-- deliveries (one per event and endpoint, each with its workflow; redeliveries link to the delivery they repeat) and
-- every attempt of every delivery.

CREATE TABLE webhook_endpoints (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  merchant_id                uuid NOT NULL REFERENCES users (id),
  url                        text NOT NULL,
  event_types                text[] NOT NULL,
  enabled                    boolean NOT NULL DEFAULT true,
  description                text,
  -- AES-GCM sealed with a key derived from SECRET_KEY (platform/crypto/sealed.ts, purpose "webhooks")
  secret_sealed              text NOT NULL,
  -- after a rotation, the secret before it: deliveries are signed with both until it expires
  previous_secret_sealed     text,
  previous_secret_expires_at timestamptz,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  -- deleted endpoints stay, so their deliveries keep their history
  deleted_at                 timestamptz
);
CREATE INDEX webhook_endpoints_by_merchant ON webhook_endpoints (merchant_id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_events (
  -- the publisher's business key (withdrawal:<id>:succeeded): publishing it again stores nothing
  id          text PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES users (id),
  type        text NOT NULL,
  -- the JSON posted, byte for byte, on every attempt and redelivery
  body        text NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- keyset pagination order (ids are random)
  position          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  event_id          text NOT NULL REFERENCES webhook_events (id),
  endpoint_id       uuid NOT NULL REFERENCES webhook_endpoints (id),
  merchant_id       uuid NOT NULL REFERENCES users (id),
  -- 0: the event's own delivery; n: its n-th redelivery to this endpoint
  sequence          integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
  redelivery_of     uuid REFERENCES webhook_deliveries (id),
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,
  last_status_code  integer,
  last_error        text,
  next_attempt_at   timestamptz,
  delivered_at      timestamptz,
  failed_at         timestamptz,
  workflow_started  boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, endpoint_id, sequence)
);
CREATE INDEX webhook_deliveries_by_merchant ON webhook_deliveries (merchant_id, position DESC);
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, position DESC);
-- a delivery whose workflow was not started yet: the worker starts it when the publishing transaction commits
-- (NOTIFY sluice_webhooks), and its sweep catches any it missed
CREATE INDEX webhook_deliveries_unstarted ON webhook_deliveries (created_at) WHERE NOT workflow_started;

CREATE TABLE webhook_attempts (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id      uuid NOT NULL REFERENCES webhook_deliveries (id),
  attempt          integer NOT NULL CHECK (attempt >= 1),
  started_at       timestamptz NOT NULL,
  latency_ms       integer NOT NULL,
  status_code      integer,
  error            text,
  -- the first bytes of the response body, bounded by the delivery's read limit
  response_excerpt text,
  outcome          text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'final')),
  UNIQUE (delivery_id, attempt)
);
