-- XRP payouts signed by a hot wallet: stored before submission, so a crash after submitting resubmits the same signed
-- transaction (which the ledger applies at most once) instead of signing a second payment.
CREATE TABLE xrpl_payouts (
  key                  text PRIMARY KEY,
  provider_id          text NOT NULL,
  account              text NOT NULL,
  sequence             bigint NOT NULL,
  last_ledger_sequence bigint NOT NULL,
  tx_blob              text NOT NULL,
  tx_hash              text NOT NULL UNIQUE,
  -- signed: stored, submission not answered yet; submitted: the server took it; rejected: it can never apply
  status               text NOT NULL DEFAULT 'signed' CHECK (status IN ('signed', 'submitted', 'rejected')),
  engine_result        text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
