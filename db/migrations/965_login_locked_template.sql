-- A sign-in locked after repeated failed guesses is a user event (mailed by default, as login_new_ip is), with
-- templates of its own: until now it was recorded as an `other` notice, seen only in the notification feed.
INSERT INTO notification_templates (event_type, channel, subject, body) VALUES
  ('login_locked', 'email', '{{title}}',
   '<p>After repeated failed attempts from {{ip}}, signing in to your account is locked until {{locked_until}}.</p><p>If this was not you, change your password once the lock ends.</p>'),
  ('login_locked', 'telegram', '', '*{{title}}*' || chr(10) || 'From {{ip}}, locked until {{locked_until}}')
ON CONFLICT DO NOTHING;
