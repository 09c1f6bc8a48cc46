-- KYC: each user's applicant at the verification provider (SumSub-compatible) and the outcome of its review. The
-- review's level becomes users.verification_level, which settings may depend on (limits per KYC tier).
ALTER TABLE users
  ADD COLUMN verification_status text NOT NULL DEFAULT 'none'
    CHECK (verification_status IN ('none', 'pending', 'verified', 'rejected'));

CREATE TABLE kyc_applicants (
  user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  applicant_id   text NOT NULL UNIQUE,
  level_name     text NOT NULL,
  review_answer  text CHECK (review_answer IN ('GREEN', 'RED')),
  reject_labels  text[] NOT NULL DEFAULT '{}',
  reject_type    text,
  reviewed_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- every webhook that passed its signature check, as received: the provider retries, so a repeat is recognised
CREATE TABLE kyc_webhook_events (
  digest       text PRIMARY KEY,
  applicant_id text,
  type         text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
