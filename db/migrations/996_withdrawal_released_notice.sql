-- A withdrawal that ends without being paid (cancelled, expired, rejected, closed as failed) gives back its amount and
-- its fee: the notice says how much came back in total (`released`, null for other ends). Templates an operator
-- edited are left as they are.
UPDATE notification_templates
SET body = '<p>{{title}}: {{amount}} {{currency}}.</p>{{#if released}}<p>Back on your balance: {{released}} {{currency}} (the amount and the fee of {{fee}} {{currency}}).</p>{{/if}}{{#if tx_hash}}<p>Transaction: <code>{{tx_hash}}</code></p>{{/if}}<p>Withdrawal {{withdrawal_id}}</p>',
    updated_at = now()
WHERE event_type = 'withdrawal_status' AND channel = 'email' AND updated_by IS NULL;

UPDATE notification_templates
SET body = '*{{title}}*' || chr(10) || '{{amount}} {{currency}}, withdrawal {{withdrawal_id}}{{#if released}}' || chr(10) || 'Back on your balance: {{released}} {{currency}}, fee included{{/if}}',
    updated_at = now()
WHERE event_type = 'withdrawal_status' AND channel = 'telegram' AND updated_by IS NULL;
