/**
 * EVM collection throughput and latency on the dev stack (`workers/dev.ts` on free ports and a fresh data directory:
 * embedded PostgreSQL, the Temporal dev server, anvil with 1-second blocks, the worker, the API, the EVM listener).
 * N users get deposit addresses; half receive ETH, half USDT, all sent at once; the benchmark measures each stage
 * (sent → detected → credited → swept to the cold wallet) and the Temporal workflow throughput it reached.
 * Usage: node --import tsx bench/collection.ts [--wallets 50]
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Contract, JsonRpcProvider, NonceManager, Wallet, parseEther, parseUnits } from 'ethers';
import { DevAccount, devPrivateKey } from '../chains/evm/dev-accounts.js';
import { spawnEntryPoint, waitUntil } from '../platform/embedded/process.js';
import { ApiClient } from '../test/support/http.js';
import { freePort } from '../test/support/ports.js';
import { printFigures, type Figures } from './support/stats.js';

const { values } = parseArgs({ options: { wallets: { type: 'string', default: '50' } } });
const WALLETS = Number(values.wallets);

const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-collection-'));
await chmod(dir, 0o755);
const [apiPort, pgPort, temporalPort, uiPort, anvilPort] = await Promise.all([
  freePort(),
  freePort(),
  freePort(),
  freePort(),
  freePort(),
]);
const admin = { email: 'admin@bench.test', password: 'bench admin password' };
const stack = spawnEntryPoint('dev', {
  output: 'file',
  logFile: join(dir, 'dev.log'),
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    DATA_DIR: join(dir, 'data'),
    PORT: String(apiPort),
    DEV_POSTGRES_PORT: String(pgPort),
    DEV_TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    DEV_ANVIL_PORT: String(anvilPort),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
  },
});

const iso = (s: string) => new Date(s).getTime();

try {
  const api = new ApiClient(`http://127.0.0.1:${apiPort}`);
  await waitUntil(
    'the dev stack',
    async () => {
      const health = await api.get('/healthz');
      if (health.status !== 200) throw new Error(JSON.stringify(health.body));
    },
    { timeoutMs: 180_000, process: stack },
  );
  const adminToken = await api.login(admin.email, admin.password);
  await waitUntil(
    'the gas keeper',
    async () => {
      const keeper = await api.get('/v1/ops/gas-keeper', { token: adminToken });
      if (keeper.status !== 200 || !keeper.body.balance) throw new Error(JSON.stringify(keeper.body));
    },
    { timeoutMs: 60_000 },
  );

  const provider = new JsonRpcProvider(`http://127.0.0.1:${anvilPort}`, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 100,
  });
  const usdtAddress = (await api.get('/v1/currencies')).body.data.find((c: { code: string }) => c.code === 'USDT')
    .token_contract as string;
  const customer = new NonceManager(new Wallet(devPrivateKey(DevAccount.Customer), provider));
  const tokenHolder = new NonceManager(new Wallet(devPrivateKey(DevAccount.Deployer), provider));
  const usdt = new Contract(usdtAddress, ['function transfer(address to, uint256 value) returns (bool)'], tokenHolder);

  const users = await Promise.all(Array.from({ length: WALLETS }, (_, i) => api.signUp(`bench-${i}@bench.test`)));
  const addresses = await Promise.all(
    users.map(
      async (u) => (await api.post('/v1/deposit/address', { currency: 'ETH' }, { token: u.token })).body.address as string,
    ),
  );

  // all deposits at once: half ETH, half USDT
  const started = Date.now();
  const sentAt: number[] = [];
  const txs = await Promise.all(
    addresses.map(async (address, i) => {
      const tx =
        i % 2 === 0
          ? await customer.sendTransaction({ to: address, value: parseEther('0.5') })
          : await usdt.getFunction('transfer')(address, parseUnits('100', 6));
      sentAt[i] = Date.now();
      return tx;
    }),
  );
  await Promise.all(txs.map((tx) => tx.wait()));

  type Sweep = { address: string; status: string; finished_at: string | null };
  let sweeps: Sweep[] = [];
  await waitUntil(
    'every wallet swept',
    async () => {
      sweeps = (await api.get('/v1/ops/collections?limit=100&status=confirmed', { token: adminToken })).body.data;
      if (sweeps.length < WALLETS) throw new Error(`${sweeps.length} of ${WALLETS} swept`);
    },
    { timeoutMs: 300_000, intervalMs: 250 },
  );
  const finished = Date.now();

  const detected: number[] = [];
  const credited: number[] = [];
  const swept: number[] = [];
  const endToEnd: number[] = [];
  let lastDetected = 0;
  let lastCredited = 0;
  let lastSwept = 0;
  for (const [i, user] of users.entries()) {
    const [deposit] = (await api.get('/v1/deposits', { token: user.token })).body.data as Array<{
      detected_at: string;
      credited_at: string;
    }>;
    const sweep = sweeps.find((s) => s.address === addresses[i]!.toLowerCase())!;
    const d = iso(deposit!.detected_at);
    const c = iso(deposit!.credited_at);
    const s = iso(sweep.finished_at!);
    detected.push(d - sentAt[i]!);
    credited.push(c - d);
    swept.push(s - c);
    endToEnd.push(s - sentAt[i]!);
    lastDetected = Math.max(lastDetected, d);
    lastCredited = Math.max(lastCredited, c);
    lastSwept = Math.max(lastSwept, s);
  }
  const seconds = (until: number) => (until - started) / 1000;
  const figures: Figures[] = [
    {
      name: 'detected (sent → recorded by the listener)',
      operations: WALLETS,
      seconds: seconds(lastDetected),
      latenciesMs: detected,
    },
    {
      name: 'credited (recorded → credited, 2 confirmations)',
      operations: WALLETS,
      seconds: seconds(lastCredited),
      latenciesMs: credited,
    },
    {
      name: 'swept (credited → sweep confirmed in cold wallet)',
      operations: WALLETS,
      seconds: seconds(lastSwept),
      latenciesMs: swept,
    },
    { name: 'end to end (sent → swept)', operations: WALLETS, seconds: seconds(lastSwept), latenciesMs: endToEnd },
  ];
  printFigures(
    `EVM collection: ${WALLETS} wallets (${Math.ceil(WALLETS / 2)} ETH, ${Math.floor(WALLETS / 2)} USDT), 1-second blocks, 2 confirmations; ops/s over the time from the first send`,
    figures,
  );

  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const temporal = new Client({ connection, namespace: 'default' });
  const window = `CloseTime >= "${new Date(started).toISOString()}" AND CloseTime <= "${new Date(finished + 1_000).toISOString()}"`;
  const closed = (await temporal.workflow.count(window)).count;
  const deposits = (await temporal.workflow.count(`${window} AND WorkflowType = "evmDepositWorkflow"`)).count;
  const collectorsStarted = (
    await temporal.workflow.count(`WorkflowType = "evmCollectorWorkflow" AND StartTime >= "${new Date(started).toISOString()}"`)
  ).count;
  console.log(
    `\nTemporal: ${closed} workflows closed in ${((finished - started) / 1000).toFixed(1)} s (${(closed / ((finished - started) / 1000)).toFixed(1)} workflows/s); ` +
      `${deposits} deposit workflows completed, ${collectorsStarted} collector runs started (collectors finish after 2 idle minutes)`,
  );
  console.log(`All ${WALLETS} wallets swept ${((finished - started) / 1000).toFixed(1)} s after the first deposit was sent.`);
  await connection.close();
  provider.destroy();
} finally {
  await stack.stop('SIGINT', 60_000);
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
