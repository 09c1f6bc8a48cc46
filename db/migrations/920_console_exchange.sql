-- Operators recorded on the exchange's hand actions: who switched a pair on or off last (ops API or console), who
-- cancelled a user's open order from the console (null: its owner did, or the engine ended it), and who cancelled a
-- trigger order (its owner or an operator; null for Sluice's own cancels and those made before this column).
ALTER TABLE pairs ADD COLUMN enabled_changed_by uuid REFERENCES users (id), ADD COLUMN enabled_changed_at timestamptz;
ALTER TABLE orders ADD COLUMN cancelled_by uuid REFERENCES users (id);
ALTER TABLE trigger_orders ADD COLUMN cancelled_by uuid REFERENCES users (id);
