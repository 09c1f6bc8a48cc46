/** TOTP second factor (RFC 6238, authenticator-app defaults: SHA-1, 6 digits, 30 s), one step of clock drift allowed. */
import { generateSecret, generateURI, verify } from 'otplib';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: 'Sluice', label: email, secret });
}

/**
 * The time step (RFC 6238's T) `code` is the secret's code for, if that is now or one step either side and later than
 * `lastStep`, the step of the last code accepted: a code works once (§5.2). Null otherwise.
 */
export async function totpCodeStep(secret: string, code: string, lastStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epochTolerance: 30 });
  // the TOTP strategy's answer (the default) always names its step; an HOTP one would not
  if (!result.valid || !('timeStep' in result)) return null;
  return lastStep === null || result.timeStep > lastStep ? result.timeStep : null;
}
