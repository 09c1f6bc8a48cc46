/**
 * Operators' view of XRPL deposits that credited nobody (unknown or missing destination tags, issued currencies),
 * and crediting one of them to the user it belongs to.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { signalDeposits } from '../../services/xrpl-tracking/outbox.js';
import { userById } from '../../services/users-auth/client.js';
import { assignUnmatched, unmatchedPayments } from '../../services/xrpl-tracking/payments-store.js';
import { ErrorCode } from '../../domain/errors.js';
import { XRP_SCALE } from '../../domain/xrpl-tracking/payments.js';
import { xrplDepositWorkflowId } from '../../workflows/deposits/xrpl/messages.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money } from '../http/money.js';
import { ApiError } from '../http/problem.js';
import { jsonBody, jsonResponse, PageQuery, problems } from '../http/schemas.js';
import { paymentCursor, paymentPage, PaymentPage, TransactionHash } from './schemas.js';
import { guardedRoute } from '../http/routes.js';

const Assigned = z
  .object({
    hash: z.string(),
    deposit_id: z.string(),
    user_id: z.string(),
    currency: z.literal('XRP'),
    amount: z.string(),
    workflow_id: z.string(),
  })
  .openapi('XrplAssignedDeposit');

export function opsXrplRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/xrpl/unmatched',
      tags: ['operations'],
      summary: 'Payments to the deposit address that were not credited to anyone, newest first',
      description: 'deposit.status says why: unknown_tag, missing_tag, not_xrp (an issued currency or MPT), unknown_amount.',
      request: { query: PageQuery },
      responses: { 200: jsonResponse('A page of unmatched payments', PaymentPage), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(
        await paymentPage(await unmatchedPayments(deps.sql, { before: paymentCursor(cursor), limit: limit + 1 }), limit),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/xrpl/unmatched/{hash}/assign',
      tags: ['operations'],
      summary: 'Credit an unmatched XRP deposit (unknown or missing tag) to the user it belongs to',
      description: "It becomes that user's deposit, credited once through its deposit workflow. Repeating it is a 409.",
      request: {
        params: z.object({ hash: TransactionHash.openapi({ param: { name: 'hash', in: 'path' } }) }),
        ...jsonBody(z.object({ user_id: z.uuid() })),
      },
      responses: {
        202: jsonResponse('Recorded; the deposit workflow credits it', Assigned),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { hash } = c.req.valid('param');
      const { user_id: userId } = c.req.valid('json');
      const operator = c.get('user');
      if (!(await userById(deps.sql, userId)))
        throw new ApiError(ErrorCode.NotFound, 'no such user', [{ path: 'user_id', message: 'matches no user' }]);
      const assignment = await assignUnmatched(deps.sql, hash, userId, operator.id);
      if (!assignment.ok) {
        switch (assignment.reason) {
          case 'not_found':
            throw new ApiError(ErrorCode.NotFound, `no stored payment ${hash}`, [
              { path: 'hash', message: 'matches no stored payment' },
            ]);
          case 'already_matched':
            throw new ApiError(ErrorCode.Conflict, "this payment is already a user's deposit");
          case 'not_assignable':
            throw new ApiError(
              ErrorCode.DepositNotAssignable,
              'only XRP payments to the deposit address that matched no tag can be credited',
            );
        }
      }
      const { deposit } = assignment;
      deps.log.info(
        { operator: operator.id, hash, user: userId, drops: deposit.amount.toString() },
        'unmatched XRPL deposit assigned',
      );
      // the outbox signals it if this cannot
      await signalDeposits({ client: deps.temporal.client, taskQueue: deps.temporal.taskQueue }, deps.sql, [deposit]).catch(
        (error) => deps.log.warn({ err: error, hash }, "could not signal the deposit yet; the listener's outbox will"),
      );
      return c.json(
        {
          hash,
          deposit_id: deposit.depositId,
          user_id: userId,
          currency: 'XRP' as const,
          amount: money(deposit.amount, { scale: XRP_SCALE }),
          workflow_id: xrplDepositWorkflowId(hash),
        },
        202,
      );
    },
  );
}
