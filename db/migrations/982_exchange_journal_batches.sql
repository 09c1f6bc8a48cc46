-- The exchange's journal keeps a batch's commands in one row: the engine journals every batch of commands in one
-- transaction, and a row per command cost each its own tuple, primary-key entry and pairs foreign-key check (one per
-- order placed). A row holds commands first_seq..last_seq, in order, as a JSON array.
ALTER TABLE exchange_journal RENAME TO exchange_journal_commands;
DROP TRIGGER exchange_journal_append_only ON exchange_journal_commands;
-- its constraints' names go with it, for the new table's to be the plain ones
ALTER INDEX exchange_journal_pkey RENAME TO exchange_journal_commands_pkey;
ALTER TABLE exchange_journal_commands RENAME CONSTRAINT exchange_journal_pair_fkey TO exchange_journal_commands_pair_fkey;

CREATE TABLE exchange_journal (
  pair      text NOT NULL REFERENCES pairs (code),
  first_seq bigint NOT NULL CHECK (first_seq > 0),
  last_seq  bigint NOT NULL,
  commands  jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pair, last_seq),
  UNIQUE (pair, first_seq),
  CHECK (jsonb_typeof(commands) = 'array' AND jsonb_array_length(commands) = last_seq - first_seq + 1)
);

-- each command stored so far as a batch of its own
INSERT INTO exchange_journal (pair, first_seq, last_seq, commands, created_at)
  SELECT pair, seq, seq, jsonb_build_array(command), created_at FROM exchange_journal_commands ORDER BY pair, seq;
DROP TABLE exchange_journal_commands;

CREATE TRIGGER exchange_journal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON exchange_journal
  FOR EACH STATEMENT EXECUTE FUNCTION exchange_journal_append_only();

-- A batch starts right after the last one, as the rows of one sequence number each did under their primary key: a
-- second writer (one that lost the market's lock and does not know it yet) cannot journal commands over another's.
-- Two writers checking at once both start at the same number: the unique first_seq refuses the later one.
CREATE FUNCTION exchange_journal_follows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last bigint := coalesce((SELECT max(last_seq) FROM exchange_journal WHERE pair = NEW.pair), 0);
BEGIN
  IF NEW.first_seq <> last + 1 THEN
    RAISE EXCEPTION 'exchange_journal of %: commands from % do not follow %', NEW.pair, NEW.first_seq, last
      USING ERRCODE = 'unique_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER exchange_journal_follows BEFORE INSERT ON exchange_journal
  FOR EACH ROW EXECUTE FUNCTION exchange_journal_follows();
