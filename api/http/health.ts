/** Liveness with the dependencies that matter (database, Temporal) and Prometheus metrics. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../context.js';
import { jsonResponse } from './schemas.js';

const Check = z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() });
const Health = z.object({ ok: z.boolean(), checks: z.object({ database: Check, temporal: Check }) }).openapi('Health');

async function timed(probe: () => Promise<unknown>, timeoutMs = 2_000): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs))]);
    return { ok: true, latency_ms: Date.now() - started };
  } catch (error) {
    return { ok: false, latency_ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

export function healthRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Whether the API can reach its database and Temporal',
      responses: { 200: jsonResponse('Healthy', Health), 503: jsonResponse('A dependency is unreachable', Health) },
    }),
    async (c) => {
      const [database, temporal] = await Promise.all([
        timed(() => deps.sql`select 1`),
        timed(() => deps.temporal.connection.workflowService.getSystemInfo({})),
      ]);
      const ok = database.ok && temporal.ok;
      return c.json({ ok, checks: { database, temporal } }, ok ? 200 : 503);
    },
  );

  app.get('/metrics', async (c) => {
    return c.body(await deps.metrics.render(), 200, { 'content-type': deps.metrics.registry.contentType });
  });
}
