/** Operator views of EVM collection: sweeps to the cold wallet, and the gas keeper's balance and queue. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { listSweeps, type SweepListItem } from '../../services/collection/sweeps-store.js';
import { ErrorCode } from '../../domain/errors.js';
import { gasKeeperStatus } from '../../services/collection/client.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError } from '../http/problem.js';
import { CurrencyCode, jsonResponse, PageQuery, problems, PageOf } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const SweepView = z
  .object({
    id: z.string(),
    chain: z.string(),
    address: z.string(),
    currency: z.string(),
    status: z.enum(['planned', 'funding', 'sending', 'sent', 'confirmed', 'failed', 'cancelled']),
    amount: z.string().nullable(),
    deposit_ids: z.array(z.string()),
    funding_amount: z.string().nullable().openapi({
      description: 'Gas sent by the gas keeper for this sweep (an early funding it claimed included), in the native currency',
    }),
    funding_tx_hash: z.string().nullable(),
    sweep_tx_hash: z.string().nullable(),
    gas_spent: z
      .string()
      .nullable()
      .openapi({ description: 'Network fees of the sweep and its funding, in the native currency' }),
    last_error: z
      .string()
      .nullable()
      .openapi({ description: "Why the sweeper's last try of this open sweep failed; it tries again on its next tick" }),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('Sweep', { description: 'Only a confirmed sweep collected its deposits' });

const GasKeeperView = z
  .object({
    chain: z.string(),
    address: z.string().nullable(),
    balance: z.string().nullable(),
    threshold: z.string(),
    low: z.boolean(),
    committed: z.string().nullable().openapi({ description: 'What its transactions not yet mined may still spend' }),
    queued: z.array(z.object({ request_id: z.string(), to: z.string(), amount: z.string() })),
    pending_transactions: z.number().int(),
    checked_at: z.string().nullable(),
  })
  .openapi('GasKeeper', { description: 'Amounts in the native currency (ETH)' });

const NATIVE_SCALE = { scale: 18 };
const eth = (wei: bigint | string | null) => (wei === null ? null : money(BigInt(wei), NATIVE_SCALE));

export function collectionRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/collections',
      tags: ['operations'],
      summary: 'Sweeps of deposit wallets to the cold wallet, newest first',
      request: {
        query: PageQuery.extend({
          status: SweepView.shape.status.optional(),
          currency: CurrencyCode.optional(),
          address: z
            .string()
            .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
            .optional(),
        }),
      },
      responses: {
        200: jsonResponse('A page of sweeps', PageOf(SweepView)),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, cursor, ...filters } = c.req.valid('query');
      const rows = await listSweeps(deps.sql, { before: decodeCursor(cursor, Positions.serial), limit: limit + 1, ...filters });
      const currencies = new Map((await deps.currencies.all()).map((cur) => [cur.code, cur]));
      const view = (s: SweepListItem) => ({
        id: s.id,
        chain: s.chain,
        address: s.address,
        currency: s.currency,
        status: s.status,
        amount: s.amount === null ? null : money(s.amount, currencies.get(s.currency)!),
        deposit_ids: s.depositIds,
        funding_amount: eth(s.fundingReceived),
        funding_tx_hash: s.fundingTxHash,
        sweep_tx_hash: s.sweepTxHash,
        gas_spent: s.gasSpent === null ? null : eth((s.gasSpent ?? 0n) + (s.fundingGas ?? 0n)),
        last_error: s.lastError,
        created_at: s.createdAt.toISOString(),
        finished_at: s.finishedAt?.toISOString() ?? null,
      });
      return c.json(await pageBody(rows, limit, (s) => s.id, view), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/gas-keeper',
      tags: ['operations'],
      summary: 'The gas keeper: balance, alert threshold, low flag, fundings queued and in flight',
      responses: { 200: jsonResponse('Gas keeper', GasKeeperView), ...problems(401, 403, 404, 503) },
    }),
    async (c) => {
      if (!deps.evm) throw new ApiError(ErrorCode.NotFound, 'EVM collection is not configured');
      const chain = await deps.evm.chain();
      try {
        const status = await gasKeeperStatus(deps.temporal, chain);
        return c.json(
          {
            chain,
            address: status.address,
            balance: eth(status.balance),
            threshold: eth(status.settings.minBalance)!,
            low: status.low,
            committed: eth(status.committed),
            queued: status.queue.map((r) => ({ request_id: r.requestId, to: r.to, amount: eth(r.amount)! })),
            pending_transactions: status.openSends,
            checked_at: status.checkedAt,
          },
          200,
        );
      } catch (error) {
        if (error instanceof WorkflowNotFoundError)
          throw new ApiError(ErrorCode.Unavailable, 'the gas keeper is not running: start a worker');
        throw error;
      }
    },
  );
}
