/**
 * The interactive docs at /docs as a browser shows them (Debian's chromium): Swagger UI loads its files, runs, reads
 * /openapi.json and renders it, with nothing refused by the page's Content-Security-Policy. Under the API's own policy
 * (default-src 'none') the page stayed blank.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

it('renders the OpenAPI document, its operations listed, with no CSP refusal', async () => {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/docs`);
    await page.locator('.swagger-ui .info .title').getByText('Sluice').waitFor({ timeout: 20_000 });
    await page.locator('.opblock-summary').first().click(); // an operation opened, as a reader does
    await page.locator('.opblock-body').first().waitFor();
    expect(refused).toEqual([]);
  } finally {
    await browser.close();
    server.close();
  }
}, 60_000);
