/**
 * How the invoice routes answer a merchant: the checkout_url they hand out is absolute (a merchant redirects its
 * customer there from its own site), on create, get and list alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { signUpMerchant } from '../support/merchant.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('invoice answers', () => {
  it('give checkout_url under PUBLIC_URL on create, get and list', async () => {
    const merchant = await signUpMerchant(t, 'answers-checkout@example.com');
    const created = await t.api.post('/v1/invoices', { amount: '10.00', currency: 'USD' }, { token: merchant.token });
    expect(created.status).toBe(201);
    const checkoutUrl = `${t.deps.settings.invoices.publicUrl}/pay/${created.body.id}`;
    expect(checkoutUrl).toMatch(/^https:\/\//);
    expect(created.body.checkout_url).toBe(checkoutUrl);

    const got = await t.api.get(`/v1/invoices/${created.body.id}`, { token: merchant.token });
    expect(got.body.checkout_url).toBe(checkoutUrl);
    const listed = await t.api.get('/v1/invoices', { token: merchant.token });
    expect(listed.body.data.map((i: { checkout_url: string }) => i.checkout_url)).toEqual([checkoutUrl]);
  });
});
