/**
 * EVM collection throughput and latency on the dev stack (`workers/dev.ts` on free ports and a fresh data directory:
 * embedded PostgreSQL, the Temporal dev server, anvil with 1-second blocks, the worker, the API, the EVM listener).
 * N users get deposit addresses; half receive ETH, half USDT, all sent at once (a burst); the benchmark measures each
 * stage: sent → recorded by the listener; the confirming block (the one giving a deposit its last required
 * confirmation, as a client following newHeads saw it arrive) → credited; credited → sweep broadcast (token sweeps
 * include their gas funding); credited → sweep confirmed. It then counts, from the server's histories, the workflow
 * tasks and activities Temporal ran per deposit. Stage times are read from the stack's database.
 * Usage: node --import tsx bench/collection.ts [--wallets 50]   (run benches under `flock /tmp/sluice-bench.lock`)
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Contract, JsonRpcProvider, NonceManager, Wallet, parseEther, parseUnits } from 'ethers';
import { DevAccount, devPrivateKey } from '../chains/evm/dev-accounts.js';
import { waitUntil } from '../platform/embedded/process.js';
import { startDevStack } from './support/dev-stack.js';
import { HeadTimes } from './support/head-times.js';
import { printFigures, runConcurrently, type Figures } from './support/stats.js';
import { perDeposit, temporalWorkSince } from './support/temporal-work.js';

const { values } = parseArgs({ options: { wallets: { type: 'string', default: '50' } } });
const WALLETS = Number(values.wallets);
/** The dev stack's default (workers/dev.ts). */
const CONFIRMATIONS = 2;

const stack = await startDevStack('bench-collection');
const { api, adminToken, sql } = stack;
const anvilPort = stack.ports.anvil;
const temporalPort = stack.ports.temporal;

try {
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

  // set up a few at a time: password hashing is slow on purpose
  const addresses: string[] = new Array(WALLETS);
  await runConcurrently(WALLETS, 8, async (i) => {
    const user = await api.signUp(`bench-${i}@bench.test`);
    addresses[i] = (await api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token })).body.address;
  });
  const heads = await HeadTimes.follow(`ws://127.0.0.1:${anvilPort}`);

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
  const minedIn = (await Promise.all(txs.map((tx) => tx.wait()))).map((receipt) => BigInt(receipt!.blockNumber));

  await waitUntil(
    'every wallet swept',
    async () => {
      const [row] = await sql`select count(*)::int as swept from evm_sweeps where status = 'confirmed'`;
      const swept = row!.swept as number;
      if (swept < WALLETS) throw new Error(`${swept} of ${WALLETS} swept`);
    },
    { timeoutMs: 600_000, intervalMs: 250 },
  );
  const finished = Date.now();

  // per deposit: when it was recorded and credited, and its sweep's first broadcast and confirmation. Credited is when
  // the credit committed (nothing sees it before): credited_at is its transaction's start, which a burst's credit
  // transaction leaves seconds behind on a busy machine. A credited row is never updated again, so its xmin is the
  // credit's transaction; without commit timestamps (a server of DATABASE_URL's), credited_at stands in.
  const [setting] = await sql`select current_setting('track_commit_timestamp') = 'on' as commit_times`;
  const commitTimes = setting!.commitTimes as boolean;
  const creditedAt = commitTimes ? sql`pg_xact_commit_timestamp(d.xmin)` : sql`d.credited_at`;
  const rows = await sql`
    select d.address, d.detected_at, ${creditedAt} as credited_at, d.credited_at as credit_began_at,
      s.created_at as planned_at, s.finished_at, a.broadcast_at,
      greatest(f.broadcast_at, e.broadcast_at) as funded_at, e.broadcast_at is not null as funded_early,
      f.broadcast_at is not null as funded_by_sweep
    from deposits d
    join evm_sweeps s on d.id = any(s.deposit_ids) and s.status = 'confirmed'
    join evm_send_attempts a on a.send_id = s.sweep_send_id and a.attempt = 1
    left join evm_send_attempts f on f.send_id = s.funding_send_id and f.attempt = 1
    left join evm_sends es on es.chain = s.chain and es.key = s.early_funding_key
    left join evm_send_attempts e on e.send_id = es.id and e.attempt = 1`;
  const byAddress = new Map(rows.map((r) => [r.address as string, r]));
  const stages = {
    detected: [] as number[],
    credited: [] as number[],
    creditTransaction: [] as number[],
    planned: [] as number[],
    broadcast: [] as number[],
    swept: [] as number[],
  };
  const endToEnd: number[] = [];
  /**
   * Token sweeps: credited → their gas funding broadcast (the later of the early funding the sweep claimed and its own
   * top-up: negative when the early funding went out while the deposit confirmed), and that → the sweep broadcast.
   */
  const funding = { sent: [] as number[], mined: [] as number[], early: 0, topUps: 0 };
  const last = { detected: 0, credited: 0, planned: 0, broadcast: 0, swept: 0 };
  for (const [i, address] of addresses.entries()) {
    const row = byAddress.get(address.toLowerCase());
    if (!row) throw new Error(`no confirmed sweep of the deposit to ${address}`);
    const t = {
      detected: (row.detectedAt as Date).getTime(),
      credited: (row.creditedAt as Date).getTime(),
      planned: (row.plannedAt as Date).getTime(),
      broadcast: (row.broadcastAt as Date).getTime(),
      swept: (row.finishedAt as Date).getTime(),
    };
    stages.detected.push(t.detected - sentAt[i]!);
    stages.credited.push(t.credited - heads.at(minedIn[i]! + BigInt(CONFIRMATIONS - 1)));
    stages.creditTransaction.push(t.credited - (row.creditBeganAt as Date).getTime());
    stages.planned.push(t.planned - t.credited);
    stages.broadcast.push(t.broadcast - t.credited);
    stages.swept.push(t.swept - t.credited);
    endToEnd.push(t.swept - sentAt[i]!);
    if (row.fundedAt) {
      funding.sent.push((row.fundedAt as Date).getTime() - t.credited);
      funding.mined.push(t.broadcast - (row.fundedAt as Date).getTime());
      if (row.fundedEarly) funding.early++;
      if (row.fundedBySweep) funding.topUps++;
    }
    for (const k of Object.keys(last) as Array<keyof typeof last>) last[k] = Math.max(last[k], t[k]);
  }
  const seconds = (until: number) => (until - started) / 1000;
  const stage = (name: string, latenciesMs: number[], until: number): Figures => ({
    name,
    operations: WALLETS,
    seconds: seconds(until),
    latenciesMs,
  });
  printFigures(
    `EVM collection: a burst of ${WALLETS} deposits (${Math.ceil(WALLETS / 2)} ETH, ${Math.floor(WALLETS / 2)} USDT), 1-second blocks, ${CONFIRMATIONS} confirmations; ops/s over the time from the first send`,
    [
      stage('sent → recorded by the listener', stages.detected, last.detected),
      stage(
        `confirming block → credited (${commitTimes ? 'committed' : 'its transaction began'})`,
        stages.credited,
        last.credited,
      ),
      ...(commitTimes ? [stage("  the credit's transaction: began → committed", stages.creditTransaction, last.credited)] : []),
      // the sweeper's own start: its wake-up signal, the tick's activity, then planning the wallet
      stage('credited → sweep planned', stages.planned, last.planned),
      stage('credited → sweep broadcast (token: with gas funding)', stages.broadcast, last.broadcast),
      // deposits alternate ETH (even) and USDT (odd): a token sweep waits for its gas funding to be mined first
      stage(
        '  of which ETH',
        stages.broadcast.filter((_, i) => i % 2 === 0),
        last.broadcast,
      ),
      stage(
        '  of which USDT',
        stages.broadcast.filter((_, i) => i % 2 === 1),
        last.broadcast,
      ),
      stage('    USDT: credited → gas funding broadcast', funding.sent, last.broadcast),
      stage('    USDT: gas funding broadcast → sweep broadcast', funding.mined, last.broadcast),
      stage('credited → sweep confirmed in cold wallet', stages.swept, last.swept),
      stage('end to end (sent → swept)', endToEnd, last.swept),
    ],
  );
  console.log(
    `\nUSDT sweeps: ${funding.early} claimed an early funding (sent while the deposit confirmed: a negative ` +
      `"credited → gas funding broadcast"), ${funding.topUps} had the keeper send gas of their own after the credit.`,
  );
  await heads.close();

  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const temporal = new Client({ connection, namespace: 'default' });
  const window = `CloseTime >= "${new Date(started).toISOString()}" AND CloseTime <= "${new Date(finished + 1_000).toISOString()}"`;
  const closed = (await temporal.workflow.count(window)).count;
  const deposits = (await temporal.workflow.count(`${window} AND WorkflowType = "evmDepositWorkflow"`)).count;
  console.log(
    `\nTemporal: ${closed} workflows closed in ${((finished - started) / 1000).toFixed(1)} s (${(closed / ((finished - started) / 1000)).toFixed(1)} workflows/s); ` +
      `${deposits} deposit workflows completed (the sweeper and the gas keeper run on)`,
  );
  console.log(`All ${WALLETS} wallets swept ${((finished - started) / 1000).toFixed(1)} s after the first deposit was sent.`);
  console.log('\nTemporal work from the first send on, from the workflow histories:');
  console.table(perDeposit(await temporalWorkSince(temporal, new Date(started)), WALLETS));
  await connection.close();
  provider.destroy();
} finally {
  await stack.stop();
}
process.exit(0);
