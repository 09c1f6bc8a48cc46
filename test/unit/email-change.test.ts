/**
 * The pure rules of a change of mail address: which route an account takes (an account made from Telegram adds its
 * first address, an ordinary one changes it), the address the old mailbox is shown, the link's secret (one per
 * purpose, reset links unchanged by sharing the machinery) and the account-mail workflow IDs of both mails.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.js';
import { maskedEmail, refuseEmailChange, refuseMailboxAddition } from '../../domain/users-auth/email-change.js';
import { linkParts, linkSecret, linkToken } from '../../services/users-auth/single-use-links.js';
import { accountMailWorkflowId } from '../../workflows/users-auth/messages.js';

const refusal = (act: () => void) => {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, errors: error.issues };
    throw error;
  }
  return null;
};

describe('which route changes an address', () => {
  it('lets an ordinary account change its address to another one, naming `email` otherwise', () => {
    expect(refusal(() => refuseEmailChange('ada@example.com', 'ada@elsewhere.example'))).toBeNull();
    expect(refusal(() => refuseEmailChange('ada@example.com', 'ada@example.com'))).toEqual({
      code: 'validation_failed',
      errors: [{ path: 'email', message: 'is the current address' }],
    });
    expect(refusal(() => refuseEmailChange('telegram-7@telegram.invalid', 'ada@example.com'))).toEqual({
      code: 'conflict',
      errors: [{ path: 'email', message: 'is added with POST /v1/me/email' }],
    });
  });

  it('lets only an account made from Telegram add its first address', () => {
    expect(refusal(() => refuseMailboxAddition('telegram-7@telegram.invalid'))).toBeNull();
    expect(refusal(() => refuseMailboxAddition('ada@example.com'))).toEqual({
      code: 'conflict',
      errors: [{ path: 'email', message: 'is set already' }],
    });
  });
});

describe('the new address in the notice to the old one', () => {
  it('shows its first character and its domain only', () => {
    expect(maskedEmail('ada.lovelace@example.com')).toBe('a***@example.com');
    expect(maskedEmail('adal@example.com')).toBe('a***@example.com');
  });

  it('shows no character of a short local part, which its first would give away', () => {
    for (const short of ['a@example.com', 'ab@example.com', 'abc@example.com']) {
      expect(maskedEmail(short)).toBe('***@example.com');
    }
  });
});

describe('single-use links', () => {
  const key = randomBytes(32);
  const id = '4b0a2a4e-6c1e-4a57-9d2b-3f8b2f0c9a11';

  it('derive one secret per purpose, a reset link the one it always had (links mailed before still work)', () => {
    const before = createHmac('sha256', key).update(`password-reset:${id}`).digest('base64url');
    expect(linkSecret(key, 'password-reset', id)).toBe(before);
    expect(linkSecret(key, 'email-change', id)).not.toBe(before);
    expect(linkParts(linkToken(key, 'email-change', id), 'link')).toEqual({ id, secret: linkSecret(key, 'email-change', id) });
  });

  it('refuse a malformed token naming `token`, and an id not written as mailed', () => {
    const regrouped = id.replaceAll('-', '').replace(/(.{4})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    for (const token of ['no-dot', `${id}.`, 'not-a-uuid.secret', `${regrouped}.secret`, `${'-'.repeat(36)}.secret`]) {
      expect(refusal(() => linkParts(token, 'link'))).toEqual({
        code: 'validation_failed',
        errors: [{ path: 'token', message: 'invalid' }],
      });
    }
  });

  it('are mailed by one account-mail workflow each, the link and the notice apart', () => {
    const link = accountMailWorkflowId({ kind: 'email-change', changeId: id, email: 'new@example.com' });
    const notice = accountMailWorkflowId({
      kind: 'email-change-notice',
      changeId: id,
      email: 'old@example.com',
      newEmail: 'new@example.com',
    });
    expect([link, notice]).toEqual([`account-mail:email-change:${id}`, `account-mail:email-change-notice:${id}`]);
    expect(accountMailWorkflowId({ kind: 'password-reset', resetId: id, email: 'a@example.com' })).toBe(
      `account-mail:reset:${id}`,
    );
  });
});
