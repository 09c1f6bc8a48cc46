/**
 * KYC: starting a user's verification at the provider (its applicant, and a WebSDK token for the front end), and the
 * provider's reviews arriving by webhook, which move the account to verified (at the level's number) or rejected.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { unstorableTextIn } from '../../domain/unstorable-text.js';
import { refuseOwnAccount } from '../../domain/users-auth/own-account.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { KycProviderError, type KycProviderClient } from './provider-client.js';
import { webhookSigned } from './signatures.js';
import {
  applicantById,
  applicantOfUser,
  recordReview,
  saveApplicant,
  setVerification,
  storeWebhook,
  type VerificationStatus,
} from './store.js';

export interface VerificationDeps {
  sql: Sql;
  provider: KycProviderClient;
  webhookSecret: string;
  /** Provider level names and the verification level each grants, the first being the default. */
  levels: Array<{ name: string; level: number }>;
  log: Logger;
  /** This process's principal cache: a new level changes which settings apply. */
  userChanged(userId: string): void;
}

const SDK_TOKEN_TTL_SECONDS = 1_800;

/** Creates the user's applicant at the level (or finds the one created before) and returns a WebSDK token. */
export async function startVerification(
  deps: VerificationDeps,
  user: { id: string; email: string },
  levelName: string | undefined,
): Promise<{ applicantId: string; levelName: string; accessToken: string }> {
  const level = levelName ? deps.levels.find((l) => l.name === levelName) : deps.levels[0];
  if (!level) {
    throw new DomainError(ErrorCode.ValidationFailed, `no verification level ${levelName}`, [
      { path: 'level_name', message: `must be one of ${deps.levels.map((l) => l.name).join(', ')}` },
    ]);
  }
  try {
    const existing = (await applicantOfUser(deps.sql, user.id)) ?? (await deps.provider.applicantOf(user.id));
    const applicantId =
      existing?.applicantId ?? (await deps.provider.createApplicant(user.id, level.name, user.email)).applicantId;
    await saveApplicant(deps.sql, user.id, applicantId, level.name);
    const accessToken = await deps.provider.sdkAccessToken(user.id, level.name, SDK_TOKEN_TTL_SECONDS);
    return { applicantId, levelName: level.name, accessToken };
  } catch (error) {
    if (error instanceof KycProviderError) {
      deps.log.error({ err: error, user: user.id }, 'KYC provider refused');
      throw new DomainError(ErrorCode.Unavailable, 'the verification provider is unavailable; try again later');
    }
    throw error;
  }
}

export interface WebhookRequest {
  body: string;
  digest: string | undefined;
  algorithm: string | undefined;
}

/** 'ignored' for events that change nothing here (other types, unknown applicants, repeats). */
export async function receiveWebhook(deps: VerificationDeps, request: WebhookRequest): Promise<'applied' | 'ignored'> {
  if (!webhookSigned(deps.webhookSecret, request.algorithm, request.digest, request.body)) {
    throw new DomainError(ErrorCode.Unauthenticated, 'the webhook signature (X-Payload-Digest) does not match its body', [
      { path: 'X-Payload-Digest', message: 'does not match' },
    ]);
  }
  const event = parseEvent(request.body);
  const fresh = await storeWebhook(deps.sql, {
    digest: request.digest!,
    applicantId: event.applicantId,
    type: event.type,
    payload: event.raw,
  });
  if (!fresh || event.type !== 'applicantReviewed' || !event.applicantId) return 'ignored';
  const applicant = await applicantById(deps.sql, event.applicantId);
  const answer = event.reviewAnswer;
  if (!applicant || (answer !== 'GREEN' && answer !== 'RED')) {
    deps.log.warn({ applicantId: event.applicantId, answer }, 'KYC review for no applicant of ours, or without an answer');
    return 'ignored';
  }
  const levelName = event.levelName ?? applicant.levelName;
  const level = deps.levels.find((l) => l.name === levelName)?.level ?? 0;
  await deps.sql.begin((tx) =>
    recordReview(
      tx,
      applicant.userId,
      { applicantId: event.applicantId!, levelName, answer, rejectLabels: event.rejectLabels, rejectType: event.rejectType },
      level,
    ),
  );
  deps.userChanged(applicant.userId);
  deps.log.info({ user: applicant.userId, answer, levelName, level }, 'KYC review recorded');
  return 'applied';
}

function parseEvent(body: string) {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new DomainError(ErrorCode.MalformedRequest, 'the webhook body is not JSON', [{ path: 'body', message: 'is not JSON' }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DomainError(ErrorCode.MalformedRequest, 'the webhook body is not a JSON object', [
      { path: 'body', message: 'is not a JSON object' },
    ]);
  }
  // the validation hook never sees this body (it is read raw for its signature): text PostgreSQL cannot store is refused here
  const unstorable = unstorableTextIn(raw);
  if (unstorable !== null) {
    const path = unstorable.path.join('.') || 'body';
    throw new DomainError(ErrorCode.ValidationFailed, `${path}: ${unstorable.message}`, [{ path, message: unstorable.message }]);
  }
  const review = (raw.reviewResult ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    raw,
    type: text(raw.type) ?? 'unknown',
    applicantId: text(raw.applicantId),
    levelName: text(raw.levelName),
    reviewAnswer: text(review.reviewAnswer),
    rejectLabels: Array.isArray(review.rejectLabels) ? review.rejectLabels.filter((l): l is string => typeof l === 'string') : [],
    rejectType: text(review.reviewRejectType),
  };
}

/**
 * An operator's decision over the provider's (ops API and console): the user's status and level, logged with who set
 * them; the level changes which settings apply, so this process forgets the user's cached principal.
 */
export async function setVerificationByOperator(
  deps: Pick<VerificationDeps, 'sql' | 'log' | 'userChanged'>,
  change: { operatorId: string; userId: string; status: VerificationStatus; level: number },
): Promise<void> {
  const { operatorId, userId, status, level } = change;
  refuseOwnAccount(operatorId, userId, 'id', 'an identity verification override');
  if (!(await setVerification(deps.sql, userId, status, level))) throw new DomainError(ErrorCode.NotFound, 'no such user');
  deps.userChanged(userId);
  deps.log.info({ operator: operatorId, user: userId, status, level }, 'verification set by an operator');
}
