-- Invoices: a merchant bills a customer; each invoice has one workflow (invoice:<id>), the prices locked for the
-- currencies its customer chose, its payment destinations, and every payment it heard of. Payments land on the
-- ledger account invoice:<id>; settlement moves them to the merchant.
CREATE TABLE invoices (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  merchant_id         uuid NOT NULL REFERENCES users (id),
  idempotency_key     text,
  currency            text NOT NULL REFERENCES currencies (code),
  amount              numeric(78, 0) NOT NULL CHECK (amount > 0),
  accepted_currencies text[] NOT NULL CHECK (cardinality(accepted_currencies) > 0),
  description         text,
  order_id            text,
  metadata            jsonb NOT NULL DEFAULT '{}',
  callback_url        text,
  redirect_url        text,
  fee_ppm             integer NOT NULL CHECK (fee_ppm BETWEEN 0 AND 1000000),
  conversion_fee_ppm  integer NOT NULL CHECK (conversion_fee_ppm BETWEEN 0 AND 1000000),
  status              text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'processing', 'settled', 'expired', 'invalid',
                        'paid_partial', 'paid_over', 'paid_late', 'marked_settled', 'marked_invalid')),
  expires_at          timestamptz NOT NULL,
  monitoring_until    timestamptz NOT NULL CHECK (monitoring_until >= expires_at),
  settled_value       numeric(78, 0),
  fee                 numeric(78, 0),
  marked_by           uuid REFERENCES users (id),
  mark_note           text,
  workflow_started    boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, idempotency_key)
);
CREATE INDEX invoices_by_merchant ON invoices (merchant_id, id DESC);
CREATE INDEX invoices_by_merchant_status ON invoices (merchant_id, status, id DESC);
CREATE INDEX invoices_unstarted ON invoices (created_at) WHERE NOT workflow_started;

-- One price per paying currency, locked when the customer picks it, for as long as the invoice lives.
CREATE TABLE invoice_quotes (
  invoice_id     uuid NOT NULL REFERENCES invoices (id),
  currency       text NOT NULL REFERENCES currencies (code),
  price          text NOT NULL,
  base           numeric(78, 0) NOT NULL CHECK (base > 0),
  conversion_fee numeric(78, 0) NOT NULL CHECK (conversion_fee >= 0),
  due            numeric(78, 0) NOT NULL CHECK (due > 0),
  locked_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, currency)
);

-- Where an invoice is paid on chain (deposits' listeners watch these): an HD address of its own on the EVM chain,
-- from an index space apart from users' deposit addresses, and a destination tag of its own on the company's XRPL
-- deposit address.
CREATE SEQUENCE invoice_evm_address_index AS integer MINVALUE 1073741824 START 1073741824;
ALTER TABLE evm_deposit_addresses ADD CONSTRAINT evm_deposit_addresses_user_index_space CHECK (hd_index < 1073741824);
CREATE TABLE invoice_destinations (
  invoice_id      uuid NOT NULL REFERENCES invoices (id),
  merchant_id     uuid NOT NULL REFERENCES users (id),
  network         text NOT NULL CHECK (network IN ('evm', 'xrpl')),
  address         text NOT NULL,
  hd_index        integer UNIQUE CHECK (hd_index >= 1073741824),
  destination_tag bigint UNIQUE CHECK (destination_tag BETWEEN 0 AND 4294967295),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, network),
  CHECK ((network = 'evm') = (hd_index IS NOT NULL) AND (network = 'xrpl') = (destination_tag IS NOT NULL))
);
CREATE UNIQUE INDEX invoice_destinations_evm_address ON invoice_destinations (address) WHERE network = 'evm';

-- A deposit to an invoice's destination credits the invoice's account, not its merchant's.
ALTER TABLE deposits ADD COLUMN invoice_id uuid REFERENCES invoices (id);
CREATE INDEX deposits_by_invoice ON deposits (invoice_id) WHERE invoice_id IS NOT NULL;

-- Every payment an invoice heard of: deposits (seen, final once credited, or dropped) and payments from a Sluice
-- balance (final at once). disposition: where its money went from the invoice's account, once it went.
CREATE TABLE invoice_payments (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id      uuid NOT NULL REFERENCES invoices (id),
  deposit_id      bigint UNIQUE REFERENCES deposits (id),
  payer_id        uuid REFERENCES users (id),
  idempotency_key text,
  currency        text NOT NULL REFERENCES currencies (code),
  amount          numeric(78, 0) NOT NULL CHECK (amount > 0),
  state           text NOT NULL CHECK (state IN ('seen', 'final', 'dropped')),
  seen_at         timestamptz NOT NULL DEFAULT now(),
  disposition     text CHECK (disposition IN ('settlement', 'late', 'returned')),
  UNIQUE (payer_id, idempotency_key),
  CHECK ((deposit_id IS NULL) = (payer_id IS NOT NULL))
);
CREATE INDEX invoice_payments_by_invoice ON invoice_payments (invoice_id, id);
