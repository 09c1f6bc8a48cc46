import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkEmailVerificationToken, emailVerificationToken } from '../../services/users-auth/email-links.js';

const key = randomBytes(32);
const user = { id: '4b0a2a4e-6c1e-4a57-9d2b-3f8b2f0c9a11', email: 'ada@example.com' };
const inAnHour = new Date(Date.now() + 3_600_000);

describe('email verification links', () => {
  it('name the user and the email they were sent to', () => {
    expect(checkEmailVerificationToken(key, emailVerificationToken(key, user, inAnHour))).toEqual({
      ok: true,
      userId: user.id,
      email: user.email,
    });
  });

  it('are refused when expired, signed with another key, or changed in any part', () => {
    const token = emailVerificationToken(key, user, inAnHour);
    const [payload, signature] = token.split('.') as [string, string];
    expect(checkEmailVerificationToken(key, token, new Date(inAnHour.getTime() + 1_000))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(checkEmailVerificationToken(randomBytes(32), token).ok).toBe(false);
    const other = Buffer.from(JSON.stringify({ u: user.id, e: 'mallory@example.com', x: 4_000_000_000 })).toString('base64url');
    expect(checkEmailVerificationToken(key, `${other}.${signature}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(checkEmailVerificationToken(key, `${payload}.${signature.slice(0, -2)}AA`)).toEqual({ ok: false, reason: 'invalid' });
    expect(checkEmailVerificationToken(key, payload)).toEqual({ ok: false, reason: 'invalid' });
  });
});
