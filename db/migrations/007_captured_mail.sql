-- Mail captured by the dev stack's SMTP sink (workers/mail-sink.ts), readable by operators in dev mode only.
CREATE TABLE captured_mail (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  text,
  mail_from   text NOT NULL,
  rcpt_to     text[] NOT NULL,
  subject     text NOT NULL,
  text_body   text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX captured_mail_recent ON captured_mail (id DESC);
