/**
 * The real Sluice processes for end-to-end tests: the API and the worker as child processes (their production entry
 * points), on the run's shared Postgres, Temporal and anvil, each stack with its own database and namespace.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { ApiClient } from './http.js';
import { secretRecorder, secretsInEnv } from './secrets-created.js';
import { freePort, probePort } from './ports.js';
import { MANY_USERS_FROM_ONE_ADDRESS } from './one-address-env.js';

export interface Stack {
  url: string;
  api: ApiClient;
  db: TestDatabase;
  namespace: string;
  taskQueue: string;
  temporal: Client;
  admin: { email: string; password: string; token: string; id: string };
  env: Record<string, string>;
  logDir: string;
  startWorker(): Promise<void>;
  /** The API process (which runs the matching engines): kill it mid-flow, start it again. */
  startApi(): Promise<void>;
  killApi(signal?: NodeJS.Signals): Promise<void>;
  killWorker(signal?: NodeJS.Signals): Promise<void>;
  /** The EVM listener (with `evmListener: true`). */
  startListener(): Promise<void>;
  killListener(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  /** Also run the SMTP sink (workers/mail-sink.ts) and point the worker's SMTP_URL at it. */
  mailSink?: boolean;
  /** Also run the EVM listener (workers/listener-evm.ts), waiting until it records blocks. */
  evmListener?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const id = randomBytes(4).toString('hex');
  const db = await createTestDatabase();
  const port = await freePort();
  const namespace = `test-${id}`;
  const taskQueue = `sluice-${id}`;
  const logDir = join(inject('testDataDir'), `stack-${id}`);
  await mkdir(logDir, { recursive: true });
  const admin = { email: `admin-${id}@sluice.test`, password: 'admin password for tests' };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    SLUICE_ENV: 'dev',
    LOG_LEVEL: 'info',
    DATA_DIR: logDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '10',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    EVM_RPC_URL: inject('evmRpcUrl'),
    EVM_WS_URL: inject('evmWsUrl'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    // one API process unless a test asks for more: a change made through one process reaches the others' caches
    // within milliseconds, not before the response, and tests act on their changes at once
    API_PROCESSES: '1',
    // withdrawal tests sign users up and withdraw at once; test/e2e/account-email.test.ts turns the rule on
    WITHDRAWALS_REQUIRE_VERIFIED_EMAIL: 'false',
    ...MANY_USERS_FROM_ONE_ADDRESS,
    ...options.env,
  };
  const extra: ServiceProcess[] = [];
  if (options.mailSink) {
    const mailPort = await freePort();
    env.MAIL_SINK_PORT = String(mailPort);
    env.SMTP_URL = `smtp://127.0.0.1:${mailPort}`;
  }
  const spawn = (name: 'api' | 'worker' | 'mail-sink' | 'listener-evm') =>
    spawnEntryPoint(name, { env, logFile: join(logDir, `${name}.log`) });

  if (options.mailSink) {
    const sink = spawn('mail-sink');
    extra.push(sink);
    await waitUntil('the SMTP sink', () => probePort(Number(env.MAIL_SINK_PORT)), { process: sink });
  }
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
  const temporal = new Client({ connection, namespace });
  let worker: ServiceProcess = spawn('worker');
  const waitForWorker = async (process: ServiceProcess) => {
    await waitUntil(
      'the worker polling its task queue',
      async () => {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: 1, // workflow tasks
        });
        if (!pollers?.length) throw new Error('no pollers yet');
      },
      { timeoutMs: 90_000, process },
    );
  };
  await waitForWorker(worker); // the worker registers the namespace; the API needs it
  let apiProcess = spawn('api');
  const url = `http://127.0.0.1:${port}`;
  const recordSecret = secretRecorder(inject('testDataDir'));
  for (const secret of secretsInEnv(env)) recordSecret(secret);
  const api = new ApiClient(url, fetch, recordSecret);
  const waitForApi = () =>
    waitUntil(
      'the API answering /healthz',
      async () => {
        const health = await api.get('/healthz');
        if (health.status !== 200) throw new Error(JSON.stringify(health.body));
      },
      { timeoutMs: 60_000, process: apiProcess },
    );
  await waitForApi();
  let listener: ServiceProcess | null = null;
  const startListener = async () => {
    listener = spawn('listener-evm');
    await waitUntil(
      'the EVM listener recording blocks',
      async () => {
        const [row] = await db.sql`select 1 from evm_listener_checkpoints limit 1`;
        if (!row) throw new Error('no checkpoint yet');
      },
      { timeoutMs: 60_000, process: listener },
    );
  };
  if (options.evmListener) await startListener();
  const token = await api.login(admin.email, admin.password);
  const me = await api.get('/v1/me', { token });

  return {
    url,
    api,
    db,
    namespace,
    taskQueue,
    temporal,
    admin: { ...admin, token, id: me.body.id },
    env,
    logDir,
    async startWorker() {
      worker = spawn('worker');
      await waitForWorker(worker);
    },
    async startApi() {
      apiProcess = spawn('api');
      await waitForApi();
    },
    async killApi(signal = 'SIGKILL') {
      await apiProcess.stop(signal, 5_000);
    },
    async killWorker(signal = 'SIGKILL') {
      await worker.stop(signal, 5_000);
    },
    startListener,
    async killListener(signal = 'SIGKILL') {
      await listener?.stop(signal, 5_000);
    },
    async stop() {
      await Promise.allSettled([
        apiProcess.stop('SIGTERM'),
        worker.stop('SIGTERM'),
        listener?.stop('SIGTERM'),
        ...extra.map((p) => p.stop('SIGTERM')),
      ]);
      // KEEP_STACK_LOGS=<dir> keeps each stack's process logs for a look after the run
      if (process.env.KEEP_STACK_LOGS) await cp(logDir, join(process.env.KEEP_STACK_LOGS, basename(logDir)), { recursive: true });
      await connection.close();
      await db.drop();
    },
  };
}

/**
 * Funds a user through an admin adjustment, the way operators (and tests) put money on an account; `byToken` is another
 * operator's when the admin funds their own (an operator's own account is not theirs to adjust).
 */
export async function fund(
  stack: Stack,
  userId: string,
  currency: string,
  amount: string,
  byToken = stack.admin.token,
): Promise<void> {
  const response = await stack.api.post(
    '/v1/ops/adjustments',
    { user_id: userId, currency, amount, reason: 'test funding' },
    { token: byToken, headers: { 'idempotency-key': `fund-${randomBytes(8).toString('hex')}` } },
  );
  if (response.status !== 201) throw new Error(`funding failed: ${response.status} ${JSON.stringify(response.body)}`);
}

/**
 * The newest captured mail to `to` whose subject matches (and whose text contains `mentioning`, if given), waiting for
 * it to arrive (dev-mode GET /v1/ops/mail).
 */
export async function mailTo(
  stack: Stack,
  to: string,
  subject: RegExp,
  mentioning?: string,
): Promise<{ subject: string; text: string }> {
  let found: { subject: string; text: string } | undefined;
  await waitUntil(
    `mail to ${to} matching ${subject}`,
    async () => {
      const inbox = await stack.api.get(`/v1/ops/mail?to=${encodeURIComponent(to)}`, { token: stack.admin.token });
      found = inbox.body.data?.find(
        (m: { subject: string; text: string }) => subject.test(m.subject) && (!mentioning || m.text.includes(mentioning)),
      );
      if (!found) throw new Error('not yet');
    },
    { timeoutMs: 30_000 },
  );
  return found!;
}
