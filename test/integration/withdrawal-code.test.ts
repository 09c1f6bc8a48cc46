/**
 * A withdrawal's mailed code is accepted the moment it arrives: its HMAC is stored before the mail goes out (stored
 * after, the e2e suite once read the code from the mail sink and had it refused), and a retried send mails the same
 * code, once. Its TOTP code, with two-factor on, works once, as at sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../../platform/mail/mailer.js';
import { generate } from 'otplib';
import { seal } from '../../platform/crypto/sealed.js';
import { newTotpSecret } from '../../platform/crypto/totp.js';
import { insertUser, setTotp } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { withdrawalActivities } from '../support/withdrawal-activities.js';

let db: TestDatabase;
let userId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  userId = (await insertUser(db.sql, { email: 'code@example.com', passwordHash: 'x', role: 'user' }))!.id;
});
afterAll(() => db.drop());

async function withdrawal(key: string, owner = userId): Promise<string> {
  const [row] = await db.sql`
    insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, destination_tag, status, approval_required, counters)
    values (${owner}, ${key}, 'XRP', 12500000, 100000, 'rDESTINATION', 7, 'awaiting_confirmation', false, '[]')
    returning id`;
  return row!.id as string;
}

/** A mailer that, as each mail goes out, confirms with the code it carries, as a quick user would. */
function confirmingMailer(confirm: (code: string) => Promise<boolean>, failFirst = false) {
  const mailed: Array<{ code: string; acceptedOnArrival: boolean }> = [];
  let failures = failFirst ? 1 : 0;
  const mailer: Mailer = {
    async send(message) {
      if (failures-- > 0) throw new Error('SMTP server unavailable');
      const code = /\b(\d{6})\b/.exec(message.subject)![1]!;
      mailed.push({ code, acceptedOnArrival: await confirm(code) });
      return { messageId: `m${mailed.length}` };
    },
    close() {},
  };
  return { mailer, mailed };
}

function activities(mailer: Mailer) {
  return withdrawalActivities(db.sql, { mailer, withdrawalCodes: Buffer.alloc(32, 7) });
}

describe('withdrawal code', () => {
  it('is accepted as soon as the mail carrying it is sent', async () => {
    const id = await withdrawal('code-1');
    let acts: ReturnType<typeof activities>;
    const { mailer, mailed } = confirmingMailer(async (code) => (await acts.verifyWithdrawalConfirmation({ id, code })).codeOk);
    acts = activities(mailer);
    await acts.sendWithdrawalCode({ id, ttlMs: 600_000 });
    expect(mailed).toEqual([{ code: expect.stringMatching(/^\d{6}$/), acceptedOnArrival: true }]);
  });

  it('mails the same code once when the send is retried, after a failed attempt and after a sent one', async () => {
    const id = await withdrawal('code-2');
    let acts: ReturnType<typeof activities>;
    const { mailer, mailed } = confirmingMailer(
      async (code) => (await acts.verifyWithdrawalConfirmation({ id, code })).codeOk,
      true,
    );
    acts = activities(mailer);
    await expect(acts.sendWithdrawalCode({ id, ttlMs: 600_000 })).rejects.toThrow('SMTP server unavailable');
    await acts.sendWithdrawalCode({ id, ttlMs: 600_000 });
    await acts.sendWithdrawalCode({ id, ttlMs: 600_000 });
    expect(mailed).toEqual([{ code: expect.stringMatching(/^\d{6}$/), acceptedOnArrival: true }]);
    expect((await acts.verifyWithdrawalConfirmation({ id, code: mailed[0]!.code })).codeOk).toBe(true);
  });
});

describe('withdrawal TOTP code', () => {
  it('is spent only beside the right mailed code, and works once', async () => {
    const owner = (await insertUser(db.sql, { email: 'totp-code@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const secret = newTotpSecret();
    await setTotp(db.sql, owner, { sealedSecret: seal(Buffer.alloc(32), secret), enabled: true });
    const id = await withdrawal('totp-1', owner);
    const { mailer, mailed } = confirmingMailer(async () => true);
    const acts = activities(mailer);
    await acts.sendWithdrawalCode({ id, ttlMs: 600_000 });
    const code = mailed[0]!.code;
    const totp = await generate({ secret });

    const wrongCode = code === '000000' ? '000001' : '000000';
    const check = (code: string) => acts.verifyWithdrawalConfirmation({ id, code, totp });
    expect(await check(wrongCode)).toEqual({ codeOk: false, totpOk: false, totpRequired: true });
    expect(await check(code)).toEqual({ codeOk: true, totpOk: true, totpRequired: true });
    expect(await check(code)).toEqual({ codeOk: true, totpOk: false, totpRequired: true });
    // the second factor the user has now is what the confirmation asks for
    await setTotp(db.sql, owner, { sealedSecret: null, enabled: false });
    expect(await check(code)).toEqual({ codeOk: true, totpOk: false, totpRequired: false });
  });
});
