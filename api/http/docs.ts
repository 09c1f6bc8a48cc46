/** The OpenAPI document and interactive docs (Swagger UI, served from node_modules so it works offline). */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { withKitResponses } from './kit-responses.js';

const require = createRequire(import.meta.url);
const swaggerDir = (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const START_UI =
  "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout', persistAuthorization: true });";

/** The <style> of the top bar's logo, an SVG Swagger UI renders inline. */
const LOGO_STYLE = '.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}';
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The API's own policy (default-src 'none') would leave the page blank: Swagger UI's files from here, its start-up
 * script and its logo's style by hash, the spec fetched and "Try it out" sent to this origin, and its stylesheet's
 * data: icons.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'self' ${hash(START_UI)}`,
  `style-src 'self' ${hash(LOGO_STYLE)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>${START_UI}</script>
</body></html>`;

export function docsRoutes(app: OpenAPIHono<AppEnv>) {
  let document: ReturnType<typeof app.getOpenAPI31Document> | null = null;
  app.get('/openapi.json', (c) => {
    document ??= withKitResponses(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Sluice',
          version: '0.1.0',
          description:
            "The money-moving core of a crypto exchange or payment processor. Amounts are decimal strings in the currency's units; errors are application/problem+json.",
        },
      }),
    );
    return c.json(document);
  });
  app.get('/docs', (c) => c.html(page, 200, { 'content-security-policy': CONTENT_SECURITY_POLICY }));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    return c.body(await readFile(join(swaggerDir, file)), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=86400',
    });
  });
}
