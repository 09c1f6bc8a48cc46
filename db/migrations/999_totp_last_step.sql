-- The time step (RFC 6238's T) of the last TOTP code accepted for the user: a code is accepted only for a later step,
-- so each code works once (RFC 6238 §5.2). A new secret starts with none.
ALTER TABLE users ADD COLUMN totp_last_step integer;
