-- Operators recorded on the exchange's hand actions: who switched a pair on or off last (ops API or console), and who
-- cancelled a user's open order from the console (null: its owner did, or the engine ended it).
ALTER TABLE pairs ADD COLUMN enabled_changed_by uuid REFERENCES users (id), ADD COLUMN enabled_changed_at timestamptz;
ALTER TABLE orders ADD COLUMN cancelled_by uuid REFERENCES users (id);
