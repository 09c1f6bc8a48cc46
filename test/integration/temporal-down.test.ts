/**
 * The API while Temporal is unreachable: a request that needs a workflow answers within seconds with 503 problem+json
 * (code `unavailable`, a Retry-After) and leaves nothing half-done, never a 500; a request whose row's workflow the
 * worker's sweep starts is accepted (its row recorded as not started); once Temporal is back the same requests succeed.
 * Temporal is taken away through a TCP proxy (test/support/tcp-proxy.ts), so the run's shared server serves the rest.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureNamespace, ensureSearchAttributes } from '../../platform/temporal/setup.js';
import { requestConnection } from '../../platform/temporal/request-connection.js';
import { isTemporalUnavailable } from '../../platform/temporal/unavailable.js';
import { requestPasswordReset } from '../../services/users-auth/password-reset.js';
import { startUnstartedWithdrawals } from '../../services/withdrawals/client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ConsoleHttp } from '../support/console-http.js';
import { SIGN_UP_PASSWORD, type ApiResponse } from '../support/http.js';
import { signUpMerchant } from '../support/merchant.js';
import { TcpProxy } from '../support/tcp-proxy.js';

let t: TestApp;
let proxy: TcpProxy;
let connection: Connection;
beforeAll(async () => {
  t = await startTestApp();
  // a namespace of the file's own, with the search attributes its workflows start with (no worker polls it)
  const address = inject('temporalAddress');
  const namespace = `test-${randomBytes(4).toString('hex')}`;
  const direct = await Connection.connect({ address });
  await ensureNamespace(direct, namespace, pino({ level: 'silent' }));
  await ensureSearchAttributes(direct, namespace, pino({ level: 'silent' }));
  await direct.close();
  const [host, port] = address.split(':');
  proxy = await TcpProxy.start({ host: host!, port: Number(port) });
  connection = requestConnection(`127.0.0.1:${proxy.port}`);
  Object.assign(t.deps.temporal, { connection, client: new Client({ connection, namespace }) });
});
afterAll(async () => {
  await proxy?.restore();
  await connection?.close();
  await proxy?.close();
  await t?.close();
});

/** The answer, or a failure if it takes longer than a prompt refusal would. */
async function answered(name: string, request: Promise<ApiResponse>): Promise<ApiResponse> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: the API did not answer within 10 s`)), 10_000);
  });
  try {
    return await Promise.race([request, hung]);
  } finally {
    clearTimeout(timer);
  }
}

function expectUnavailable(name: string, response: ApiResponse) {
  expect({ name, status: response.status, code: response.body?.code }).toEqual({ name, status: 503, code: 'unavailable' });
  expect(response.body.detail).toMatch(/workflow service is unavailable/);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
}

const ETH_ADDRESS = '0x2222222222222222222222222222222222222222';
const XRPL_ADDRESS = 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh';

describe('the API with Temporal unreachable', () => {
  it(
    'refuses what needs a workflow with 503, leaves nothing half-done, and serves again once it is back',
    { timeout: 180_000 },
    async () => {
      const user = await t.api.signUp('down@example.com');
      const funded = await t.api.post(
        '/v1/ops/adjustments',
        { user_id: user.id, currency: 'ETH', amount: '1', reason: 'test funding' },
        { token: t.admin.token, headers: { 'idempotency-key': 'temporal-down-funding' } },
      );
      expect(funded.status).toBe(201);
      const merchant = await signUpMerchant(t, 'down-merchant@example.com');
      // its sign-up's verification mail went out while Temporal was up; a resend is due again
      await expect.poll(async () => (await verificationMailAt(user.id)) !== null).toBe(true);
      await t.db.sql`update users set verification_mail_at = null where id = ${user.id}`;
      const [waiting] = await t.db.sql`
      insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters, workflow_started)
      values (${user.id}, 'awaiting-approval', 'ETH', 1000, 0, ${ETH_ADDRESS}, 'awaiting_approval', true, '[]', true)
      returning id`;

      const withdraw = () =>
        t.api.post(
          '/v1/withdrawals',
          { currency: 'ETH', amount: '0.01', address: ETH_ADDRESS },
          { token: user.token, headers: { 'idempotency-key': 'down-withdrawal' } },
        );
      const changeEmail = () =>
        t.api.post(
          '/v1/me/email-change',
          { email: 'moved@example.com', current_password: SIGN_UP_PASSWORD },
          { token: user.token },
        );
      const resendVerification = () => t.api.post('/v1/me/email-verification', undefined, { token: user.token });
      // the route answers before asking (its answer must not tell whether the account exists): the service, directly
      const askReset = () =>
        requestPasswordReset(
          { sql: t.db.sql, key: t.deps.keys.emailLinks, temporal: t.deps.temporal, ttlMs: 3_600_000 },
          user.email,
        );
      const resets = () => t.db.sql`select 1 from password_resets where user_id = ${user.id}`;
      const approve = () => t.api.post(`/v1/ops/withdrawals/${waiting!.id}/approve`, undefined, { token: t.admin.token });
      const watchXrpl = () => t.api.post('/api/accounts', { address: XRPL_ADDRESS }, { token: t.admin.token });
      const watched = () => t.db.sql`select 1 from xrpl_accounts where address = ${XRPL_ADDRESS}`;
      const operator = await ConsoleHttp.signIn(t.api, t.admin.email, t.admin.password);

      await proxy.cut();

      expectUnavailable('email change', await answered('email change', changeEmail()));
      expect(await t.db.sql`select 1 from email_changes where user_id = ${user.id}`).toHaveLength(0);
      expectUnavailable('verification resend', await answered('verification resend', resendVerification()));
      expect(await verificationMailAt(user.id)).toBeNull(); // asking again is not refused as too soon
      await expect(askReset()).rejects.toSatisfy(isTemporalUnavailable);
      expect(await resets()).toHaveLength(0); // so asking again within the minute is not a silent no-op
      expectUnavailable('approval', await answered('approval', approve()));
      expect(await withdrawalStatus(waiting!.id as string)).toBe('awaiting_approval');
      expect(await t.db.sql`select 1 from withdrawal_events where withdrawal_id = ${waiting!.id}`).toHaveLength(0);
      // an account watched without its backfill would have a history nobody fetches: not watched, and said so
      expectUnavailable('XRPL account', await answered('XRPL account', watchXrpl()));
      expect(await watched()).toHaveLength(0);
      const watchForm = await answered(
        'console XRPL account',
        operator.post('/xrpl-accounts', '/xrpl-accounts', { address: XRPL_ADDRESS, label: 'cold wallet' }),
      );
      expect(watchForm.status).toBe(503);
      expect(watchForm.body).toContain('Not done: the workflow service is unavailable; retry shortly');
      expect(watchForm.body).toContain(`value="${XRPL_ADDRESS}"`); // the form as typed, to send again
      expect(await watched()).toHaveLength(0);

      // stored with its funds held, its workflow left to the worker's sweep: accepted, and promptly
      const requested = await answered('withdrawal', withdraw());
      expect(requested.status).toBe(202);
      const [stored] = await t.db.sql`select workflow_started from withdrawals where id = ${requested.body.id}`;
      expect(stored!.workflowStarted).toBe(false);
      // an invoice never waits on Temporal: the worker starts its workflow once it commits, or its sweep does
      const invoice = await answered(
        'invoice',
        t.api.post('/v1/invoices', { amount: '10.00', currency: 'USD' }, { token: merchant.token }),
      );
      expect(invoice.status).toBe(201);
      const [storedInvoice] = await t.db.sql`select workflow_started from invoices where id = ${invoice.body.id}`;
      expect(storedInvoice!.workflowStarted).toBe(false);

      const health = await answered('GET /healthz', t.api.get('/healthz'));
      expect(health.status).toBe(503);
      expect(health.body.checks).toMatchObject({ database: { ok: true }, temporal: { ok: false } });

      await proxy.restore();
      await expect.poll(async () => (await t.api.get('/healthz')).status, { timeout: 30_000, interval: 500 }).toBe(200);

      const again = await withdraw();
      expect(again).toMatchObject({ status: 202, body: { id: requested.body.id } }); // the same withdrawal, once
      expect(
        await t.db.sql`select 1 from withdrawals where user_id = ${user.id} and idempotency_key = 'down-withdrawal'`,
      ).toHaveLength(1);
      const { client, taskQueue } = t.deps.temporal;
      const swept = await startUnstartedWithdrawals(
        client,
        t.db.sql,
        taskQueue,
        t.deps.settings.withdrawals,
        pino({ level: 'silent' }),
        0,
      );
      expect(swept).toBe(1);
      expect((await client.workflow.getHandle(`withdrawal:${requested.body.id}`).describe()).status.name).toBe('RUNNING');

      expect((await changeEmail()).status).toBe(202);
      expect(await t.db.sql`select 1 from email_changes where user_id = ${user.id}`).toHaveLength(1);
      expect((await resendVerification()).status).toBe(202);
      expect(await verificationMailAt(user.id)).not.toBeNull();
      await askReset();
      expect(await resets()).toHaveLength(1);
      expect((await watchXrpl()).status).toBe(201);
    },
  );
});

async function verificationMailAt(userId: string): Promise<Date | null> {
  return (await t.db.sql`select verification_mail_at from users where id = ${userId}`)[0]!.verificationMailAt as Date | null;
}

async function withdrawalStatus(id: string): Promise<string> {
  return (await t.db.sql`select status from withdrawals where id = ${id}`)[0]!.status as string;
}
