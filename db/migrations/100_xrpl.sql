-- XRP Ledger payment tracking: the accounts Sluice watches, every validated Payment to or from them, and the
-- destination tags that map a payment to the company's deposit address onto a user.

CREATE TABLE xrpl_accounts (
  address                 text PRIMARY KEY CHECK (address ~ '^r[1-9A-HJ-NP-Za-km-z]{24,34}$'),
  label                   text,
  -- payments to a deposit address are matched to users by destination tag
  is_deposit_address      boolean NOT NULL DEFAULT false,
  -- every payment of this account in ledgers up to here is stored: set by a completed backfill, advanced by the
  -- listener once it follows the account live; the listener fills gaps from here after every reconnect
  complete_through_ledger bigint CHECK (complete_through_ledger > 0),
  backfilled_at           timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE xrpl_destination_tags (
  user_id    uuid PRIMARY KEY REFERENCES users (id),
  tag        bigint NOT NULL UNIQUE CHECK (tag BETWEEN 0 AND 4294967295),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE xrpl_payments (
  hash               text PRIMARY KEY CHECK (hash ~ '^[0-9A-F]{64}$'),
  ledger_index       bigint NOT NULL CHECK (ledger_index > 0),
  transaction_index  integer NOT NULL CHECK (transaction_index >= 0),
  close_time         timestamptz NOT NULL,
  source             text NOT NULL,
  destination        text NOT NULL,
  destination_tag    bigint CHECK (destination_tag BETWEEN 0 AND 4294967295),
  source_tag         bigint CHECK (source_tag BETWEEN 0 AND 4294967295),
  result             text NOT NULL,
  -- tfPartialPayment: what arrived may be less than what was sent; only delivered_* counts
  partial            boolean NOT NULL,
  -- meta.delivered_amount (absent for failed payments). XRP: drops, and the value in XRP; issued currencies: the
  -- exact decimal string the ledger gives, with currency and issuer; MPTs: the issuance id and its integer value
  delivered_currency text,
  delivered_issuer   text,
  delivered_mpt_id   text,
  delivered_value    text,
  delivered_drops    numeric(78, 0) CHECK (delivered_drops >= 0),
  -- payments to a deposit address: matched to a user (deposit_id), or flagged for an operator and never credited
  deposit_status     text CHECK (deposit_status IN ('matched', 'unknown_tag', 'missing_tag', 'not_xrp', 'unknown_amount')),
  deposit_id         bigint REFERENCES deposits (id),
  -- an operator who credited an unmatched payment to a user by hand
  assigned_by        uuid REFERENCES users (id),
  -- outbox: the deposit workflow has been signalled about this payment
  signalled_at       timestamptz,
  recorded_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((deposit_status = 'matched') = (deposit_id IS NOT NULL))
);
CREATE INDEX xrpl_payments_by_order ON xrpl_payments (ledger_index DESC, transaction_index DESC);
CREATE INDEX xrpl_payments_by_source ON xrpl_payments (source, ledger_index DESC, transaction_index DESC);
CREATE INDEX xrpl_payments_by_destination ON xrpl_payments (destination, ledger_index DESC, transaction_index DESC);
CREATE INDEX xrpl_payments_by_destination_tag ON xrpl_payments (destination_tag, ledger_index DESC, transaction_index DESC)
  WHERE destination_tag IS NOT NULL;
CREATE INDEX xrpl_payments_unmatched ON xrpl_payments (ledger_index DESC, transaction_index DESC)
  WHERE deposit_status <> 'matched';
CREATE INDEX xrpl_payments_unsignalled ON xrpl_payments (deposit_id) WHERE deposit_id IS NOT NULL AND signalled_at IS NULL;

-- the listener follows changes to the watch list without a restart: added, removed, or newly backfilled accounts
CREATE FUNCTION xrpl_accounts_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('xrpl_accounts', OLD.address);
  ELSIF TG_OP = 'INSERT' OR OLD.complete_through_ledger IS NULL AND NEW.complete_through_ledger IS NOT NULL THEN
    PERFORM pg_notify('xrpl_accounts', NEW.address);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER xrpl_accounts_notify AFTER INSERT OR UPDATE OR DELETE ON xrpl_accounts
  FOR EACH ROW EXECUTE FUNCTION xrpl_accounts_notify();
