-- The dispatcher's queue moves out of the notifications table. Marking a row dispatched (`dispatched_at`, migration
-- 700) rewrote the whole notification (its jsonb body too) and all its indexes, never as a HOT update, because the
-- column was in the undispatched index's predicate: on the exchange's path that is a second full row per filled order.
-- Now a notification is recorded once, with its id queued in a narrow table that the dispatcher empties.
-- No foreign key: a queued id whose notification went with its user is dropped by the dispatcher, and the check
-- would cost each queued row a lookup and a lock.
CREATE TABLE notifications_outbox (notification_id bigint PRIMARY KEY);
INSERT INTO notifications_outbox SELECT id FROM notifications WHERE dispatched_at IS NULL;
DROP INDEX notifications_undispatched;
ALTER TABLE notifications DROP COLUMN dispatched_at;
