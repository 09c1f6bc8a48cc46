/**
 * Pages that take a form answer a body that is not one (malformed multipart) with a 400, never a 500: the checkout
 * page's currency form and the account links' forms as problem+json naming body, the console with its error page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const malformed = (path: string) =>
  t.app.request(`http://sluice.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'x-forwarded-for': '203.0.113.9' },
    body: 'not a multipart body',
  });

describe('a malformed form body', () => {
  it.each(['/pay/00000000-0000-4000-8000-000000000000', '/reset-password'])('is a 400 naming body at POST %s', async (path) => {
    const res = await malformed(path);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'malformed_request', errors: [{ path: 'body' }] });
  });

  it("is the console's 400 page at its sign-in", async () => {
    const res = await malformed('/ops/sign-in');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The form could not be read.');
  });
});
