-- The addresses each user has signed in from (issue 14, login_new_ip): a sign-in from one not seen before notifies
-- the user, except their very first.
CREATE TABLE user_sign_in_ips (
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  ip            inet NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, ip)
);
