/**
 * The API app factory: an OpenAPIHono whose validation failures, thrown business errors and unexpected faults all
 * leave as problem+json, with every router registering its routes on it.
 */
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { DomainError, ErrorCode, ThrottledError, type FieldIssue } from '../domain/errors.js';
import { unstorableTextIn } from '../domain/unstorable-text.js';
import { createGuards } from './http/guards.js';
import type { ApiDeps, AppEnv } from './context.js';
import { ApiError, problemBody, problemResponse } from './http/problem.js';
import { isMalformedForm } from './http/malformed-form.js';
import { unavailableMessage, unavailableService } from './http/unavailable-service.js';
import { apiKeyRoutes } from './users-auth/api-keys-routes.js';
import { registerSecuritySchemes } from './http/security-schemes.js';
import { auditRoutes } from './audit/routes.js';
import { authRoutes } from './users-auth/auth-routes.js';
import { balanceRoutes } from './ledger/balances-routes.js';
import { betEventRoutes } from './betting/events-routes.js';
import { betRoutes } from './betting/bets-routes.js';
import { orderRoutes } from './exchange/orders-routes.js';
import { orderHistoryRoutes } from './orders/routes.js';
import { opsExchangeRoutes } from './exchange/ops-routes.js';
import { candleRoutes } from './exchange/candles-routes.js';
import { triggerRoutes } from './exchange/triggers-routes.js';
import { currencyRoutes } from './currencies/routes.js';
import { depositRoutes } from './deposits/routes.js';
import { depositAutoConversionRoutes } from './deposits/auto-conversion-routes.js';
import { docsRoutes } from './http/docs.js';
import { healthRoutes } from './http/health.js';
import { meRoutes } from './users-auth/me-routes.js';
import { notificationRoutes } from './notifications/routes.js';
import { notificationChannelRoutes } from './notifications/channels-routes.js';
import { opsNotificationRoutes } from './notifications/ops-routes.js';
import { adjustmentRoutes } from './transfers/adjustments-routes.js';
import { transferSettingsRoutes } from './transfers/settings-routes.js';
import { collectionRoutes } from './collection/ops-routes.js';
import { consoleRoutes } from './console/routes.js';
import { userAdminRoutes } from './users-auth/ops-routes.js';
import { transferRoutes } from './transfers/routes.js';
import { opsWithdrawalRoutes } from './withdrawals/ops-routes.js';
import { withdrawalRoutes } from './withdrawals/routes.js';
import { withdrawalSettingsRoutes } from './withdrawals/settings-routes.js';
import { invoiceRoutes } from './invoices/routes.js';
import { opsInvoiceRoutes } from './invoices/ops-routes.js';
import { settingsOpsRoutes } from './settings/ops-routes.js';
import { settingsRoutes } from './settings/routes.js';
import { accountOpsRoutes } from './accounts/ops-routes.js';
import { accountEmailRoutes } from './users-auth/account-email-routes.js';
import { telegramMailboxRoutes } from './users-auth/telegram-mailbox-routes.js';
import { emailChangeRoutes } from './users-auth/email-change-routes.js';
import { accountLinkPages } from './users-auth/account-link-pages.js';
import { telegramRoutes } from './users-auth/telegram-routes.js';
import { verificationRoutes } from './verification/routes.js';
import { statisticsRoutes } from './ledger/statistics-routes.js';
import { opsDepositRoutes } from './deposits/ops-routes.js';
import { opsWebhookRoutes } from './webhooks/ops-routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { opsXrplRoutes } from './xrpl-tracking/ops-routes.js';
import { reportRoutes } from './reports/ops-routes.js';
import { reconciliationRoutes } from './reconciliation/ops-routes.js';
import { custodyAdjustmentRoutes } from './reconciliation/custody-adjustments-routes.js';
import { xrplAccountRoutes } from './xrpl-tracking/accounts-routes.js';
import { xrplTransactionRoutes } from './xrpl-tracking/transactions-routes.js';
import { rateRoutes } from './rates/routes.js';
import { opsRateRoutes } from './rates/ops-routes.js';
import { fastExchangeRoutes } from './fast-exchange/routes.js';
import { opsFastExchangeRoutes } from './fast-exchange/ops-routes.js';
import { pairRoutes } from './fast-exchange/pairs-routes.js';

import { validateDeclaredHeadersByName } from './http/declared-headers.js';
import { hardening } from './http/hardening.js';
import { MemoRouter } from './http/memo-router.js';
import { allowedMethods } from './http/method-not-allowed.js';
import { jsonBodyMayHoldUnstorableText } from './http/unstorable-text.js';
import { recordOperatorActions } from './security/operator-actions.js';
import { securityEventRoutes } from './security/ops-routes.js';

/** Names a field the way the client sent it: `to_email`, `items.0.amount`, a header by its name. */
function fieldPath(target: string, path: PropertyKey[]): string {
  if (target === 'header') return String(path[0] ?? 'header').replace(/(^|-)([a-z])/g, (_, dash, ch) => dash + ch.toUpperCase());
  return path.length > 0 ? path.map(String).join('.') : target === 'json' ? 'body' : target;
}

/**
 * A request that fails its route's schemas, or that holds text PostgreSQL cannot store as sent (a NUL character, an
 * unpaired surrogate: every route refuses it here): problem+json naming each field.
 */
const validationProblem: Hook<unknown, AppEnv, string, unknown> = async (result, c) => {
  let issues: FieldIssue[];
  if (result.success) {
    if (result.target === 'json' && !(await jsonBodyMayHoldUnstorableText(c.req))) return;
    const unstorable = unstorableTextIn(result.data);
    if (unstorable === null) return;
    issues = [{ path: fieldPath(result.target, unstorable.path), message: unstorable.message }];
  } else {
    issues = result.error.issues.map((issue) => ({ path: fieldPath(result.target, issue.path), message: issue.message }));
  }
  const detail = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return problemResponse(c, problemBody(ErrorCode.ValidationFailed, detail, issues));
};

export function createApp(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationProblem, router: new MemoRouter() });
  validateDeclaredHeadersByName(app, validationProblem);

  // what every request passes, as one level of hono's middleware (each level is an async frame and a promise more):
  // its duration measured around the hardening, whose steps answer by setting c.res, so the status is the answer's
  const hardened = hardening(deps.security, deps.settings.trustProxy);
  app.use('*', async (c, next) => {
    const started = process.hrtime.bigint();
    await hardened(c, next);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.requestDuration.observe({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) }, seconds);
  });
  app.use('/v1/ops/*', recordOperatorActions(deps));
  app.use('/ops/*', recordOperatorActions(deps));

  registerSecuritySchemes(app);

  const guards = createGuards(deps);
  healthRoutes(app, deps);
  authRoutes(app, deps, guards);
  meRoutes(app, deps, guards);
  apiKeyRoutes(app, deps, guards);
  currencyRoutes(app, deps);
  balanceRoutes(app, deps, guards);
  transferRoutes(app, deps, guards);
  depositRoutes(app, deps, guards);
  depositAutoConversionRoutes(app, deps, guards);
  notificationRoutes(app, deps, guards);
  notificationChannelRoutes(app, deps, guards);
  opsNotificationRoutes(app, deps, guards);
  withdrawalRoutes(app, deps, guards);
  opsWithdrawalRoutes(app, deps, guards);
  adjustmentRoutes(app, deps, guards);
  transferSettingsRoutes(app, deps, guards);
  withdrawalSettingsRoutes(app, deps, guards);
  settingsOpsRoutes(app, deps, guards);
  settingsRoutes(app, deps, guards);
  accountOpsRoutes(app, deps, guards);
  accountEmailRoutes(app, deps, guards);
  accountLinkPages(app, deps);
  telegramRoutes(app, deps, guards);
  telegramMailboxRoutes(app, deps, guards);
  emailChangeRoutes(app, deps, guards);
  verificationRoutes(app, deps, guards);
  statisticsRoutes(app, deps, guards);
  opsDepositRoutes(app, deps, guards);
  auditRoutes(app, deps, guards);
  userAdminRoutes(app, deps, guards);
  xrplAccountRoutes(app, deps, guards);
  xrplTransactionRoutes(app, deps, guards);
  opsXrplRoutes(app, deps, guards);
  collectionRoutes(app, deps, guards);
  betEventRoutes(app, deps, guards);
  betRoutes(app, deps, guards);
  // before the spot exchange's /v1/orders/{id}, which would take /v1/orders/history
  orderHistoryRoutes(app, deps, guards);
  orderRoutes(app, deps, guards);
  opsExchangeRoutes(app, deps, guards);
  candleRoutes(app, deps);
  triggerRoutes(app, deps, guards);
  rateRoutes(app, deps);
  opsRateRoutes(app, deps, guards);
  pairRoutes(app, deps);
  fastExchangeRoutes(app, deps, guards);
  opsFastExchangeRoutes(app, deps, guards);
  webhookRoutes(app, deps, guards);
  opsWebhookRoutes(app, deps, guards);
  securityEventRoutes(app, deps, guards);
  reportRoutes(app, deps, guards);
  reconciliationRoutes(app, deps, guards);
  custodyAdjustmentRoutes(app, deps, guards);
  invoiceRoutes(app, deps, guards);
  opsInvoiceRoutes(app, deps, guards);
  docsRoutes(app);
  consoleRoutes(app, deps);

  const methodsOf = allowedMethods(app);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length > 0) {
      const detail = `${c.req.path} does not take ${c.req.method}; it takes ${allowed.join(', ')}`;
      return problemResponse(c, problemBody(ErrorCode.MethodNotAllowed, detail), { allow: allowed.join(', ') });
    }
    return problemResponse(c, problemBody(ErrorCode.NotFound, `no route for ${c.req.method} ${c.req.path}`));
  });
  app.onError((error, c) => {
    if (error instanceof ThrottledError) {
      return problemResponse(c, problemBody(error.code, error.message), { 'retry-after': String(error.retryAfterSeconds) });
    }
    if (error instanceof ApiError || error instanceof DomainError) {
      return problemResponse(c, problemBody(error.code, error.message, error.issues));
    }
    if (error instanceof HTTPException) {
      const code =
        error.status === 415
          ? ErrorCode.UnsupportedMediaType
          : error.status === 413
            ? ErrorCode.PayloadTooLarge
            : error.status === 408
              ? ErrorCode.RequestTimeout
              : ErrorCode.MalformedRequest;
      const issues = code === ErrorCode.MalformedRequest ? [{ path: 'body', message: error.message }] : [];
      return problemResponse(c, problemBody(code, error.message, issues));
    }
    if (isMalformedForm(error, c.req.header('content-type'))) {
      const message = 'the body is not a well-formed form';
      return problemResponse(c, problemBody(ErrorCode.MalformedRequest, message, [{ path: 'body', message }]));
    }
    const unavailable = unavailableService(error);
    if (unavailable) {
      // one warn line per request, no stack: the outage, not each request, is the news
      deps.log.warn({ err: (error as Error).message, method: c.req.method, path: c.req.path }, `${unavailable} unavailable`);
      return problemResponse(c, problemBody(ErrorCode.Unavailable, unavailableMessage(unavailable)), {
        'retry-after': '5',
      });
    }
    deps.log.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
    return problemResponse(c, problemBody('internal_error', 'an unexpected error occurred; it has been logged'));
  });
  return app;
}
