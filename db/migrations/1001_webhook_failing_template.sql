-- A webhook delivery that fails for good on a last attempt that got no answer (a timeout, a refused connection, a
-- disabled endpoint) has no status: the alert's templates said "last status " and nothing, so they show its error
-- then. Templates an operator edited are left as they are.
UPDATE notification_templates
SET body = ':warning: *{{title}}*' || chr(10) || '{{failures}} failures, last {{#if last_status}}status {{last_status}}{{else}}error: {{last_error}}{{/if}}',
    updated_at = now()
WHERE event_type = 'webhook_endpoint_failing' AND channel = 'slack' AND updated_by IS NULL;

UPDATE notification_templates
SET body = '⚠️ *{{title}}*' || chr(10) || '{{failures}} failures, last {{#if last_status}}status {{last_status}}{{else}}error: {{last_error}}{{/if}}',
    updated_at = now()
WHERE event_type = 'webhook_endpoint_failing' AND channel = 'telegram' AND updated_by IS NULL;
