/** KYC on the real stack against a SumSub double: start, signed webhooks, levels that change limits, forged webhooks. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund, startStack, type Stack } from '../support/stack.js';
import { startSumsubDouble, type SumsubDouble } from '../support/sumsub-double.js';

let stack: Stack;
let sumsub: SumsubDouble;
beforeAll(async () => {
  sumsub = await startSumsubDouble(() => `${stack.url}/v1/webhooks/kyc`);
  stack = await startStack({
    env: {
      SUMSUB_BASE_URL: sumsub.url,
      SUMSUB_APP_TOKEN: sumsub.appToken,
      SUMSUB_SECRET_KEY: sumsub.secretKey,
      SUMSUB_WEBHOOK_SECRET: sumsub.webhookSecret,
      KYC_LEVELS: 'basic-kyc-level=1,full-kyc-level=2',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await sumsub?.close();
});

const start = (token: string, body: object = {}) => stack.api.post('/v1/verification/start', body, { token });

describe('KYC', () => {
  it('starts at the provider with signed requests, and a signed review verifies the account at its level', async () => {
    const admin = { token: stack.admin.token };
    const [ada, bob] = [await stack.api.signUp('kyc-ada@example.com'), await stack.api.signUp('kyc-bob@example.com')];
    await fund(stack, ada.id, 'USD', '100.00');
    const base = { enabled: true, min_amount: '0.01', max_amount: '10.00', daily_limit: null, fee_fixed: '0', fee_percent: '0' };
    expect((await stack.api.put('/v1/ops/settings/transfers/USD', base, admin)).status).toBe(200);
    expect(
      (await stack.api.put('/v1/ops/settings/transfers/USD/level/1', { values: { max_amount: '50.00' } }, admin)).status,
    ).toBe(200);
    let n = 0;
    const send = (amount: string) =>
      stack.api.post(
        '/v1/transfers',
        { to_user_id: bob.id, currency: 'USD', amount },
        { token: ada.token, headers: { 'idempotency-key': `kyc-${++n}` } },
      );
    expect((await send('40.00')).body.code).toBe('amount_above_maximum');

    const started = await start(ada.token);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ level_name: 'basic-kyc-level', access_token: expect.stringMatching(/^_act-sbx-/) });
    expect(sumsub.applicants.get(started.body.applicant_id)).toEqual({ externalUserId: ada.id, levelName: 'basic-kyc-level' });
    expect(sumsub.refused).toBe(0);
    expect((await start(ada.token)).body.applicant_id).toBe(started.body.applicant_id); // the same applicant again
    expect((await stack.api.get('/v1/verification', { token: ada.token })).body).toEqual({
      status: 'pending',
      level: 0,
      level_name: 'basic-kyc-level',
      reject_labels: [],
    });

    const reviewed = await sumsub.review(started.body.applicant_id, 'GREEN');
    expect(reviewed.status).toBe(200);
    expect(await reviewed.json()).toEqual({ result: 'applied' });
    expect((await stack.api.get('/v1/verification', { token: ada.token })).body).toMatchObject({ status: 'verified', level: 1 });
    expect((await stack.api.get('/v1/me', { token: ada.token })).body).toMatchObject({
      verification_level: 1,
      verification_status: 'verified',
    });
    expect((await send('40.00')).status).toBe(201); // level 1's limit
    expect((await sumsub.review(started.body.applicant_id, 'GREEN')).status).toBe(200); // a retry changes nothing
  });

  it('refuses a webhook with a bad signature and changes nothing', async () => {
    const eve = await stack.api.signUp('kyc-eve@example.com');
    const started = await start(eve.token, { level_name: 'full-kyc-level' });
    const body = JSON.stringify({
      applicantId: started.body.applicant_id,
      type: 'applicantReviewed',
      levelName: 'full-kyc-level',
      reviewResult: { reviewAnswer: 'GREEN' },
    });
    const forged = await sumsub.post(body, { 'x-payload-digest': 'ab'.repeat(32), 'x-payload-digest-alg': 'HMAC_SHA256_HEX' });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { errors: unknown }).errors).toEqual([
      { path: 'X-Payload-Digest', message: 'does not match' },
    ]);
    expect((await sumsub.post(body, {})).status).toBe(401);
    expect((await stack.api.get('/v1/verification', { token: eve.token })).body).toMatchObject({ status: 'pending', level: 0 });

    const rejected = await sumsub.review(started.body.applicant_id, 'RED', { rejectLabels: ['SELFIE_MISMATCH'] });
    expect(rejected.status).toBe(200);
    expect((await stack.api.get('/v1/verification', { token: eve.token })).body).toEqual({
      status: 'rejected',
      level: 0,
      level_name: 'full-kyc-level',
      reject_labels: ['SELFIE_MISMATCH'],
    });

    const override = await stack.api.put(
      `/v1/ops/users/${eve.id}/verification`,
      { status: 'verified', level: 2 },
      { token: stack.admin.token },
    );
    expect(override.body).toEqual({ status: 'verified', level: 2 });
    expect((await stack.api.get('/v1/me', { token: eve.token })).body.verification_level).toBe(2);
    expect((await start(eve.token, { level_name: 'no-such-level' })).status).toBe(400);
  });

  it('refuses a signed webhook holding U+0000 with a 400 naming the field, after its signature, and changes nothing', async () => {
    const nul = await stack.api.signUp('kyc-nul@example.com');
    const started = await start(nul.token);
    const refused = await sumsub.review(started.body.applicant_id, 'RED', { rejectLabels: ['SELFIE\u0000MISMATCH'] });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { errors: unknown }).errors).toEqual([
      { path: 'reviewResult.rejectLabels.0', message: 'must not contain the NUL character (U+0000)' },
    ]);
    // unsigned, it is refused for its signature first
    const body = JSON.stringify({ applicantId: started.body.applicant_id, type: 'applicantReviewed\u0000' });
    expect(
      (await sumsub.post(body, { 'x-payload-digest': 'ab'.repeat(32), 'x-payload-digest-alg': 'HMAC_SHA256_HEX' })).status,
    ).toBe(401);
    expect((await stack.api.get('/v1/verification', { token: nul.token })).body).toMatchObject({ status: 'pending', level: 0 });
    expect((await sumsub.review(started.body.applicant_id, 'GREEN')).status).toBe(200); // the next review applies
    expect((await stack.api.get('/v1/verification', { token: nul.token })).body).toMatchObject({ status: 'verified', level: 1 });
  });

  it('refuses a signed webhook whose JSON is no object with a 400', async () => {
    const signed = (body: string) =>
      sumsub.post(body, {
        'x-payload-digest': createHmac('sha256', sumsub.webhookSecret).update(body).digest('hex'),
        'x-payload-digest-alg': 'HMAC_SHA256_HEX',
      });
    for (const body of ['null', '[]', '"applicantReviewed"']) {
      const refused = await signed(body);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { errors: unknown }).errors).toEqual([{ path: 'body', message: 'is not a JSON object' }]);
    }
  });
});
