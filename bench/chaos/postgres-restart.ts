/**
 * PostgreSQL restarted mid-run on the dev stack: clients keep transferring money through the API (retrying a 503
 * with the same Idempotency-Key) and probing it, EVM deposits arrive while the database is down, and the
 * supervisor starts PostgreSQL again after OUTAGE_MS. Counts what the API answered while it was down (anything but a
 * prompt 503 problem+json is a failure), what was lost, which processes had to be restarted instead of reconnecting,
 * and the ledger audit.
 */
import { Wallet, JsonRpcProvider, NonceManager, parseEther } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { transferKey } from '../../domain/transfers/rules.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { startDevStack } from '../support/dev-stack.js';
import { runConcurrently } from '../support/stats.js';
import { attempt, auditRows, sleep, type ApiResponse, type ChaosRow } from './support.js';

const OUTAGE_MS = 8_000;
const USERS = 10;
const TRANSFER_LOOPS = 4;
const DEPOSITS_DURING_OUTAGE = 10;
const HANG_MS = 10_000;
const NODE_PARTS = ['api', 'worker', 'listener-evm', 'mail-sink'];

export async function postgresRestart(): Promise<ChaosRow[]> {
  const scenario = `PostgreSQL restarted (down ${OUTAGE_MS / 1000} s)`;
  const stack = await startDevStack('chaos-postgres', {
    DEV_SKIP_PROCESSES: 'listener-xrpl', // no XRPL network here
    DEV_RESTART_BACKOFF_MS: String(OUTAGE_MS), // how long the database stays down before the supervisor restarts it
    DEV_MAX_RESTARTS: '50',
  });
  const { api, adminToken } = stack;
  const provider = new JsonRpcProvider(`http://127.0.0.1:${stack.ports.anvil}`, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const users: Array<{ id: string; token: string; address: string }> = new Array(USERS);
    await runConcurrently(USERS, 5, async (i) => {
      const user = await api.signUp(`pg-${i}@chaos.test`);
      const funded = await api.post(
        '/v1/ops/adjustments',
        { user_id: user.id, currency: 'USD', amount: '1000.00', reason: 'chaos funding' },
        { token: adminToken, headers: { 'idempotency-key': `fund-${i}` } },
      );
      if (funded.status !== 201) throw new Error(`funding: ${funded.status}`);
      const address = (await api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token })).body.address;
      users[i] = { ...user, address };
    });
    const pidsBefore = new Map(NODE_PARTS.map((name) => [name, stack.part(name)?.pid]));

    let down = false;
    let running = true;
    const duringOutage = { prompt503: 0, other5xx: 0, hangs: 0, dropped: 0, notProblemJson: 0, stackTraces: 0 };
    const hung: string[] = [];
    const tally = (response: ApiResponse | 'hung' | 'dropped', what: string) => {
      if (response === 'dropped') duringOutage.dropped++; // the API process died under the request, down or not
      if (!down || response === 'dropped') return;
      if (response === 'hung') {
        duringOutage.hangs++;
        hung.push(what);
      } else if (response.status === 503) {
        duringOutage.prompt503++;
        if (!response.headers.get('content-type')?.includes('application/problem+json')) duringOutage.notProblemJson++;
      } else if (response.status >= 500) duringOutage.other5xx++;
      if (response !== 'hung' && /\bat .+\.(ts|js):\d+/.test(JSON.stringify(response.body))) duringOutage.stackTraces++;
    };
    const acknowledged = new Set<string>(); // ledger keys of transfers the API answered 201 for
    const refused: number[] = [];
    const transferLoop = async (loop: number) => {
      for (let n = 0; running; n++) {
        const from = users[(loop + n) % USERS]!;
        const to = users[(loop + n + 1) % USERS]!;
        const key = `chaos-${loop}-${n}`;
        for (;;) {
          const response = await attempt(
            HANG_MS,
            api.post(
              '/v1/transfers',
              { to_user_id: to.id, currency: 'USD', amount: '0.01' },
              { token: from.token, headers: { 'idempotency-key': key } },
            ),
          );
          tally(response, 'POST /v1/transfers');
          if (typeof response === 'string' || response.status === 503) {
            if (!running) break;
            await sleep(250); // the same key again, as a client retrying would
            continue;
          }
          if (response.status === 201) acknowledged.add(transferKey(from.id, key));
          else refused.push(response.status);
          break;
        }
      }
    };
    const probeLoop = async () => {
      while (running) {
        tally(await attempt(HANG_MS, api.get('/v1/balances', { token: users[0]!.token })), 'GET /v1/balances');
        await sleep(200);
      }
    };
    const loops = [...Array.from({ length: TRANSFER_LOOPS }, (_, i) => transferLoop(i)), probeLoop()];

    await sleep(5_000);
    const postgres = stack.part('postgres')!;
    down = true;
    process.kill(postgres.pid, 'SIGINT'); // a fast shutdown, as `pg_ctl restart` does; the supervisor starts it again
    // deposits arrive while the database is down: the listener must record them once it reconnects
    const customer = new NonceManager(new Wallet(devPrivateKey(DevAccount.Customer), provider));
    const deposits = await Promise.all(
      users
        .slice(0, DEPOSITS_DURING_OUTAGE)
        .map(async (u) => (await customer.sendTransaction({ to: u.address, value: parseEther('0.1') })).hash.toLowerCase()),
    );
    await waitUntil(
      'PostgreSQL restarted',
      async () => {
        const current = stack.part('postgres');
        if (!current || current.pid === postgres.pid) throw new Error('not yet');
        if ((await api.get('/healthz')).status !== 200) throw new Error('API not healthy yet');
      },
      { timeoutMs: OUTAGE_MS + 120_000, intervalMs: 200 },
    );
    down = false;
    await sleep(10_000);
    running = false;
    await Promise.all(loops);

    let credited = 0;
    await waitUntil(
      'the deposits sent during the outage credited',
      async () => {
        const [row] =
          await stack.sql`select count(*)::int as n from deposits where tx_hash = any(${deposits}) and status = 'credited'`;
        credited = row!.n as number;
        if (credited < deposits.length) throw new Error(`${credited} of ${deposits.length}`);
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    ).catch(() => {});
    const recorded = new Set(
      (await stack.sql`select key from ledger_transfers where key = any(${[...acknowledged]})`).map((r) => r.key as string),
    );
    const restarted = NODE_PARTS.filter((name) => stack.part(name)?.pid !== pidsBefore.get(name));
    console.log(
      `  ${scenario}: ${acknowledged.size} transfers acknowledged, ${duringOutage.prompt503} prompt 503s while down, refusals ${JSON.stringify(refused.slice(0, 5))}; hung: ${hung.join(', ') || 'none'}; restarted: ${restarted.join(', ') || 'none'}`,
    );
    return [
      { scenario, count: 'API answers other than 503 problem+json while down (5xx)', value: duringOutage.other5xx },
      { scenario, count: `API requests hanging over ${HANG_MS / 1000} s while down`, value: duringOutage.hangs },
      { scenario, count: '503 answers without problem+json', value: duringOutage.notProblemJson },
      { scenario, count: 'API connections dropped (its process died)', value: duringOutage.dropped },
      { scenario, count: 'answers carrying a stack trace', value: duringOutage.stackTraces },
      { scenario, count: 'transfers acknowledged (201) but missing from the ledger', value: acknowledged.size - recorded.size },
      { scenario, count: 'transfers refused after the restart (non-201, non-503)', value: refused.length },
      { scenario, count: `deposits sent while down not credited (of ${deposits.length})`, value: deposits.length - credited },
      { scenario, count: `processes restarted instead of reconnecting (of ${NODE_PARTS.length})`, value: restarted.length },
      ...(await auditRows(scenario, api, adminToken)),
    ];
  } finally {
    provider.destroy();
    await stack.stop();
  }
}
