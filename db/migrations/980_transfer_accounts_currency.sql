-- A transfer moves one currency between two accounts of that currency. The ledger engine finds both accounts by
-- (name, currency), so it never writes anything else; now the schema says it too: each account is referenced with the
-- transfer's currency. That makes the transfer's own reference to currencies implied (an account's currency is one),
-- so each transfer row costs two foreign-key checks instead of three (a third of the ledger's checks, each a query
-- with a row lock; the exchange writes ~2.8 transfers per order).
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_id_currency UNIQUE (id, currency);

ALTER TABLE ledger_transfers
  ADD CONSTRAINT ledger_transfers_debit_account FOREIGN KEY (debit_account_id, currency)
    REFERENCES ledger_accounts (id, currency),
  ADD CONSTRAINT ledger_transfers_credit_account FOREIGN KEY (credit_account_id, currency)
    REFERENCES ledger_accounts (id, currency),
  DROP CONSTRAINT ledger_transfers_debit_account_id_fkey,
  DROP CONSTRAINT ledger_transfers_credit_account_id_fkey,
  DROP CONSTRAINT ledger_transfers_currency_fkey;
