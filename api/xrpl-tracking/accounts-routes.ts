/**
 * Watched XRPL accounts (operators): add one (its history is backfilled), list them, remove one (with its stored
 * payments), and resync one (backfill again; a resync while one runs joins it).
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  addWatchedAccount,
  backfillStatus,
  removeWatchedAccount,
  requireWatchedAccount,
  resyncAccount,
} from '../../services/xrpl-tracking/client.js';
import { listAccounts, type XrplAccount } from '../../services/xrpl-tracking/accounts-store.js';
import { xrplBackfillWorkflowId } from '../../workflows/xrpl-tracking/messages.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, pageBody } from '../http/pages.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { CLASSIC_ADDRESS } from '../../domain/xrpl-tracking/positions.js';
import { XrplAddress } from './schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const BackfillView = z
  .object({
    state: z.enum(['running', 'done', 'stopped']),
    mode: z.enum(['full', 'incremental']),
    pages: z.number().int(),
    payments: z.number().int(),
    inserted: z.number().int(),
    started_at: z.string(),
  })
  .openapi('XrplBackfill');

const AccountView = z
  .object({
    address: z.string(),
    label: z.string().nullable(),
    is_deposit_address: z.boolean(),
    complete_through_ledger: z.number().int().nullable().openapi({ description: 'Every payment up to this ledger is stored' }),
    backfilled_at: z.string().nullable(),
    created_at: z.string(),
    backfill_workflow_id: z.string(),
  })
  .openapi('XrplAccount');

const AddressParam = z.object({ address: XrplAddress.openapi({ param: { name: 'address', in: 'path' } }) });

const accountView = (a: XrplAccount) => ({
  address: a.address,
  label: a.label,
  is_deposit_address: a.isDepositAddress,
  complete_through_ledger: a.completeThroughLedger,
  backfilled_at: a.backfilledAt?.toISOString() ?? null,
  created_at: a.createdAt.toISOString(),
  backfill_workflow_id: xrplBackfillWorkflowId(a.address),
});

export function xrplAccountRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/api/accounts',
      tags: ['xrpl'],
      summary: 'Watch an XRPL account: its history is backfilled and new payments are followed live',
      request: jsonBody(z.object({ address: XrplAddress, label: z.string().trim().min(1).max(100).optional() })),
      responses: {
        201: jsonResponse('Watched; the backfill has started', AccountView),
        ...problems(400, 401, 403, 409, 415, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const account = await addWatchedAccount(deps.sql, deps.temporal, deps.log, {
        address: body.address,
        label: body.label ?? null,
        operator: c.get('user'),
      });
      return c.json(accountView(account), 201);
    },
  );

  app.openapi(
    pageRoute(guards.operator, {
      path: '/api/accounts',
      tags: ['xrpl'],
      summary: 'Watched XRPL accounts, by address',
      items: ['A page of accounts', AccountView],
      forbidden: true,
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const rows = await listAccounts(deps.sql, { after: decodeCursor(cursor, CLASSIC_ADDRESS), limit: limit + 1 });
      return c.json(await pageBody(rows, limit, (a) => a.address, accountView), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/api/accounts/{address}',
      tags: ['xrpl'],
      summary: 'A watched XRPL account and its latest backfill',
      request: { params: AddressParam },
      responses: {
        200: jsonResponse('The account', AccountView.extend({ backfill: BackfillView.nullable() })),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const account = await requireWatchedAccount(deps.sql, c.req.valid('param').address);
      const status = await backfillStatus(deps.temporal, account.address).catch(() => null); // none yet, or Temporal is down: the account is still worth showing
      const backfill = status && {
        state: status.state,
        mode: status.mode,
        pages: status.pages,
        payments: status.payments,
        inserted: status.inserted,
        started_at: status.startedAt,
      };
      return c.json({ ...accountView(account), backfill }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'delete',
      path: '/api/accounts/{address}',
      tags: ['xrpl'],
      summary: 'Stop watching an XRPL account and remove its stored payments',
      description:
        'Payments that also concern another watched account are kept for it. The deposit address and the custody wallets (the XRP hot wallet) cannot be removed.',
      request: { params: AddressParam },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      await removeWatchedAccount(deps.sql, deps.temporal, deps.log, {
        address: c.req.valid('param').address,
        operatorId: c.get('user').id,
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/api/accounts/{address}/resync',
      tags: ['xrpl'],
      summary: "Backfill the account's whole history again; joins a backfill that is already running",
      request: { params: AddressParam },
      responses: {
        202: jsonResponse(
          'The backfill runs (started or joined)',
          z.object({ address: z.string(), workflow_id: z.string(), run_id: z.string() }),
        ),
        ...problems(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const address = c.req.valid('param').address;
      const run = await resyncAccount(deps.sql, deps.temporal, { address, operatorEmail: c.get('user').email });
      return c.json({ address, workflow_id: run.workflowId, run_id: run.runId }, 202);
    },
  );
}
