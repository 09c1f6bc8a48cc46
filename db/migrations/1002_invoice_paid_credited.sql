-- A paid invoice's notice says what was paid and what the merchant was credited after the invoice fee (`credited`,
-- new in its body): the templates said "is paid: {{amount}}", read as the invoice's amount, which it no longer is.
-- Templates an operator edited are left as they are.
UPDATE notification_templates
SET body = '<p>Invoice {{invoice_id}} of {{merchant}}: {{amount}} {{currency}} paid, {{credited}} {{currency}} credited to your balance after fees.</p>',
    updated_at = now()
WHERE event_type = 'invoice_paid' AND channel = 'email' AND updated_by IS NULL;

UPDATE notification_templates
SET body = '*{{title}}*' || chr(10) || '{{amount}} {{currency}} paid, {{credited}} {{currency}} credited after fees',
    updated_at = now()
WHERE event_type = 'invoice_paid' AND channel = 'telegram' AND updated_by IS NULL;
