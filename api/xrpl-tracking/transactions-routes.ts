/** Stored XRPL payments of the watched accounts (operators): filtered and paged in ledger order, or one by hash. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { listPayments, paymentByHash } from '../../services/xrpl-tracking/payments-store.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError } from '../http/problem.js';
import { jsonResponse, PageQuery, problems } from '../http/schemas.js';
import { paymentCursor, paymentPage, PaymentPage, PaymentView, paymentView, TransactionHash, XrplAddress } from './schemas.js';
import { guardedRoute } from '../http/routes.js';
import { WholeNumber } from '../http/whole-numbers.js';

// a ledger index below 10^15, a destination tag a 32-bit number (see WholeNumber for why not z.coerce.number())
const LedgerIndex = WholeNumber(1, 999_999_999_999_999n).transform(Number).openapi({ example: '90000001' });
const DestinationTag = WholeNumber(0, 4_294_967_295n).transform(BigInt).openapi({ example: '1234567' });

const Filters = PageQuery.extend({
  hash: TransactionHash.optional(),
  ledger_index: LedgerIndex.optional(),
  account: XrplAddress.optional().openapi({ description: 'Payments from or to this account' }),
  destination_tag: DestinationTag.optional(),
});

export function xrplTransactionRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/api/transactions',
      tags: ['xrpl'],
      summary: 'Payments to and from watched XRPL accounts, newest first',
      description:
        'Also the XRP an escrow finished, a payment channel claimed, a check cashed or an account deleted delivered: listed ' +
        "as a payment from the escrow's, channel's or check's owner (or the deleted account), with the ledger's tags for it.",
      request: { query: Filters },
      responses: { 200: jsonResponse('A page of payments', PaymentPage), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listPayments(
        deps.sql,
        {
          hash: q.hash,
          ledgerIndex: q.ledger_index,
          account: q.account,
          destinationTag: q.destination_tag,
        },
        { before: paymentCursor(q.cursor), limit: q.limit + 1 },
      );
      return c.json(await paymentPage(rows, q.limit), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/api/transactions/{hash}',
      tags: ['xrpl'],
      summary: 'One stored payment',
      request: { params: z.object({ hash: TransactionHash.openapi({ param: { name: 'hash', in: 'path' } }) }) },
      responses: { 200: jsonResponse('The payment', PaymentView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { hash } = c.req.valid('param');
      const payment = await paymentByHash(deps.sql, hash);
      if (!payment)
        throw new ApiError(ErrorCode.NotFound, `no stored payment ${hash}`, [
          { path: 'hash', message: 'matches no stored payment' },
        ]);
      return c.json(paymentView(payment), 200);
    },
  );
}
