/** The currencies Sluice knows, with their scale and where they live. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { jsonResponse } from '../http/schemas.js';

const CurrencyView = z
  .object({
    code: z.string(),
    name: z.string(),
    kind: z.enum(['fiat', 'crypto']),
    scale: z.number().int(),
    network: z.string().nullable(),
    chain: z.string().nullable().openapi({ description: 'Where it moves: `evm-<chainId>` for the configured EVM chain, `xrpl`' }),
    token_contract: z.string().nullable(),
    enabled: z.boolean(),
  })
  .openapi('Currency');

export function currencyRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/currencies',
      tags: ['currencies'],
      summary: 'Every currency, with its decimal scale, network and token contract',
      responses: { 200: jsonResponse('Currencies', z.object({ data: z.array(CurrencyView) })) },
    }),
    async (c) => {
      const currencies = await deps.currencies.all();
      const evmChain = await deps.evm?.chain().catch(() => null);
      return c.json(
        {
          data: currencies.map((cur) => ({
            code: cur.code,
            name: cur.name,
            kind: cur.kind,
            scale: cur.scale,
            network: cur.network,
            chain: cur.network === 'evm' ? (evmChain ?? null) : cur.network === 'xrpl' ? XRPL_CHAIN : null,
            token_contract: cur.tokenContract,
            enabled: cur.enabled,
          })),
        },
        200,
      );
    },
  );
}
