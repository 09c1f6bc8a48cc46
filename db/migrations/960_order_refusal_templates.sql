-- A refused order and a trigger whose order was refused are user events (routed by the user's choices, default
-- channels in domain/notifications/events.ts), with templates of their own.
INSERT INTO notification_templates (event_type, channel, subject, body) VALUES
  ('order_refused', 'email', '{{title}}',
   '<p>Your {{side}} order on {{pair}} needed {{needed}} {{currency}}, more than your available balance. It was refused and nothing was held.</p>'),
  ('order_refused', 'telegram', '', '*{{title}}*' || chr(10) || 'It needed {{needed}} {{currency}}\.'),
  ('trigger_failed', 'email', '{{title}}',
   '<p>Your trigger order {{trigger_id}} on {{pair}} fired, but the order it placed was refused ({{reason}}). What it held is back on your balance.</p>'),
  ('trigger_failed', 'telegram', '', '*{{title}}*' || chr(10) || 'Trigger {{trigger_id}} on {{pair}}: {{reason}}')
ON CONFLICT DO NOTHING;
