/** The OpenAPI document and interactive docs (Swagger UI, served from node_modules so it works offline). */
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

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout', persistAuthorization: true });</script>
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
  app.get('/docs', (c) => c.html(page));
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
