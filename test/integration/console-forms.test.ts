/** The console's forms over plain HTTP, as the pages render them: what a form sent twice does. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ConsoleHttp } from '../support/console-http.js';

let t: TestApp;
let admin: ConsoleHttp;
beforeAll(async () => {
  t = await startTestApp();
  admin = await ConsoleHttp.signIn(t.api, t.admin.email, t.admin.password);
});
afterAll(() => t?.close());

/** The fields of the form on `html` whose button is labelled `label` (its hidden inputs, as a browser sends them). */
function formOf(html: string, label: string): Record<string, string> {
  const form = [...html.matchAll(/<form[\s\S]*?<\/form>/g)].map((m) => m[0]).find((f) => f.includes(`aria-label="${label}"`));
  if (!form) throw new Error(`no form with the button ${label}`);
  return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

describe('the settings page', () => {
  it('keeps a provider where a form sent twice put it: a second Disable or Move up changes nothing more', async () => {
    const providers = async () =>
      (await t.api.get('/v1/ops/providers', { token: t.admin.token })).body.data.find(
        (p: { currency: string }) => p.currency === 'USD',
      ).providers;
    const order = [
      { id: 'first', enabled: true },
      { id: 'second', enabled: true },
      { id: 'third', enabled: true },
    ];
    expect((await t.api.put('/v1/ops/providers', { currency: 'USD', providers: order }, { token: t.admin.token })).status).toBe(
      200,
    );
    // the page as the operator saw it, and its form sent twice (a double click, or a page left open)
    const page = (await admin.get('/settings')).body;
    const sendTwice = async (label: string) => {
      const form = formOf(page, label);
      for (let i = 0; i < 2; i++) expect((await admin.post('/settings', '/settings/providers', form)).status).toBe(303);
    };

    await sendTwice('Disable: second (USD)');
    expect(await providers()).toEqual([order[0], { id: 'second', enabled: false }, order[2]]);

    await sendTwice('Move up: third (USD)');
    expect((await providers()).map((p: { id: string }) => p.id)).toEqual(['first', 'third', 'second']);

    const beyond = await admin.post('/settings', '/settings/providers', { currency: 'USD', provider: 'first', position: '4' });
    expect(beyond.status).toBe(400);
    expect(beyond.body).toContain('position: must be from 1 to 3');
  });
});
