/** Users' KYC applicants, the review outcomes, and the webhooks received. */
import type { Db } from '../../platform/db/client.js';

export const VERIFICATION_STATUSES = ['none', 'pending', 'verified', 'rejected'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export interface Applicant {
  userId: string;
  applicantId: string;
  levelName: string;
  reviewAnswer: 'GREEN' | 'RED' | null;
  rejectLabels: string[];
  reviewedAt: Date | null;
}

export async function applicantOfUser(db: Db, userId: string): Promise<Applicant | null> {
  const [row] = await db`select * from kyc_applicants where user_id = ${userId}`;
  return (row as Applicant | undefined) ?? null;
}

export async function applicantById(db: Db, applicantId: string): Promise<Applicant | null> {
  const [row] = await db`select * from kyc_applicants where applicant_id = ${applicantId}`;
  return (row as Applicant | undefined) ?? null;
}

/** Records the applicant (a new level starts a new review) and marks the user pending, unless verified already. */
export async function saveApplicant(db: Db, userId: string, applicantId: string, levelName: string): Promise<void> {
  await db`
    insert into kyc_applicants (user_id, applicant_id, level_name) values (${userId}, ${applicantId}, ${levelName})
    on conflict (user_id) do update set
      applicant_id = excluded.applicant_id, level_name = excluded.level_name, updated_at = now()`;
  await db`update users set verification_status = 'pending' where id = ${userId} and verification_status <> 'verified'`;
}

/** False when the same webhook (by digest) was stored before: the provider retried it. */
export async function storeWebhook(
  db: Db,
  event: { digest: string; applicantId: string | null; type: string; payload: unknown },
): Promise<boolean> {
  const rows = await db`
    insert into kyc_webhook_events (digest, applicant_id, type, payload)
    values (${event.digest}, ${event.applicantId}, ${event.type}, ${db.json(event.payload as never)})
    on conflict do nothing returning 1`;
  return rows.length > 0;
}

export interface Review {
  applicantId: string;
  levelName: string;
  answer: 'GREEN' | 'RED';
  rejectLabels: string[];
  rejectType: string | null;
}

/** Records the review and moves the user: GREEN → verified at `level`, RED → rejected (their level stays). */
export async function recordReview(db: Db, userId: string, review: Review, level: number): Promise<void> {
  await db`
    update kyc_applicants set review_answer = ${review.answer}, reject_labels = ${db.array(review.rejectLabels)}::text[],
      reject_type = ${review.rejectType}, level_name = ${review.levelName}, reviewed_at = now(), updated_at = now()
    where user_id = ${userId}`;
  if (review.answer === 'GREEN') {
    await db`update users set verification_status = 'verified', verification_level = greatest(verification_level, ${level}) where id = ${userId}`;
  } else {
    await db`update users set verification_status = 'rejected' where id = ${userId}`;
  }
}

/** An operator's decision, whatever the provider said. */
export async function setVerification(db: Db, userId: string, status: VerificationStatus, level: number): Promise<boolean> {
  const rows = await db`
    update users set verification_status = ${status}, verification_level = ${level} where id = ${userId} returning 1`;
  return rows.length > 0;
}

export async function verificationOf(db: Db, userId: string): Promise<{ status: VerificationStatus; level: number } | null> {
  const [row] = await db`select verification_status, verification_level from users where id = ${userId}`;
  return row ? { status: row.verificationStatus, level: row.verificationLevel } : null;
}
