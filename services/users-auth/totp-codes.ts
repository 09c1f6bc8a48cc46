/**
 * The one check of a TOTP code, wherever a second factor is asked for (sign-in, the console, Telegram, enrolment, API
 * keys, a password change, a withdrawal's confirmation). A code is accepted once (RFC 6238 §5.2): only for a time step
 * later than the last one accepted, recorded by the statement that decides, so of two requests with one code one wins.
 */
import type { Db } from '../../platform/db/client.js';
import { unseal } from '../../platform/crypto/sealed.js';
import { totpCodeStep } from '../../platform/crypto/totp.js';
import { recordTotpStep } from './users-store.js';

export interface UserTotp {
  userId: string;
  sealedSecret: string;
  /** As read with the secret: a quick refusal of a used code; the record decides. */
  lastStep: number | null;
}

/** Whether `code` is the user's code for now, not used before; accepting it uses it up. */
export async function spendTotpCode(db: Db, totpKey: Buffer, totp: UserTotp, code: string): Promise<boolean> {
  const step = await totpCodeStep(unseal(totpKey, totp.sealedSecret), code, totp.lastStep);
  return step !== null && (await recordTotpStep(db, totp.userId, step));
}
