/** A preview of a template nobody saved, without a draft body, names the field to send: `body`. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

it('answers 404 naming body when there is neither a saved template nor a draft', async () => {
  const preview = await t.api.post('/v1/ops/notification-templates/audit_drift/email/preview', undefined, {
    token: t.admin.token,
  });
  expect(preview.status).toBe(404);
  expect(preview.body).toMatchObject({ code: 'not_found', errors: [{ path: 'body' }] });
});
