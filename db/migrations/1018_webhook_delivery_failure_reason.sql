-- Why a delivery failed when the merchant's answers did not decide it. `endpoint_off`: not sent, its endpoint turned
-- off or deleted while it waited (all its pending deliveries are marked at once, with no alert each: the merchant
-- did it; they can be redelivered once it is on again). `workflow_ended`: its Temporal workflow ended without it (an
-- operator terminated it), found by the worker's sweep, which alerts, so the subject's later deliveries no longer
-- wait for it. Null: failed on the merchant's answers (last_status_code, last_error).
ALTER TABLE webhook_deliveries ADD COLUMN failure_reason text CHECK (failure_reason IN ('endpoint_off', 'workflow_ended'));
