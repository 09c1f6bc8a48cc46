/**
 * Fast-exchange benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker
 * processes): quote→accept swaps per second through the API under concurrency, each swap being its two requests
 * (POST /v1/exchange/quotes, then POST /v1/exchange/quotes/{id}/accept), with the latency of the pair. Prints figures;
 * asserts nothing about time. Ends with the ledger audit (every swap is three transfers against the inventory).
 *
 *   node --import tsx bench/swaps.ts     BENCH_SWAPS (5000 per run), BENCH_CONCURRENCY (runs: "16,32,64"), BENCH_USERS (100)
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts).
 */
import { countingSql } from './support/api-process.js';
import { drive, fundedUsers, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { keepAliveAgent, post, postForJson } from './support/http-post.js';

const SWAPS = Number(process.env.BENCH_SWAPS ?? 5_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,32,64').split(',').map(Number);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const WARMUP = 500;

await withApiStack('swaps', run);

async function run(stack: ApiStack) {
  const { api, baseUrl, adminToken } = stack;
  console.log(`setting up: ${USERS} users with USDT, the exchange's XRP inventory…`);
  const users = await fundedUsers(stack, USERS, 'swapper', { USDT: '1000000.000000' });
  const funded = await api.post(
    '/v1/ops/exchange/inventory',
    { currency: 'XRP', amount: '100000000' },
    { token: adminToken, headers: { 'idempotency-key': 'bench-inventory' } },
  );
  if (funded.status !== 201) throw new Error(`inventory: ${funded.status} ${JSON.stringify(funded.body)}`);

  const agent = keepAliveAgent(Math.max(...CONCURRENCY));
  let runId = 0;
  const swap = (prefix: string) => async (n: number) => {
    const user = users[n % users.length]!;
    const quoted = await postForJson<{ id: string }>(agent, `${baseUrl}/v1/exchange/quotes`, user.token, `q-${prefix}-${n}`, {
      from: 'USDT',
      to: 'XRP',
      amount_in: '2.5',
    });
    if (quoted.status !== 201) return false;
    return (await post(agent, `${baseUrl}/v1/exchange/quotes/${quoted.body.id}/accept`, user.token, `a-${prefix}-${n}`)) === 200;
  };

  console.log(`warming up: ${WARMUP} swaps…`);
  await drive(WARMUP, CONCURRENCY[0]!, swap('warmup'));

  console.log(`\nquote→accept swaps (USDT→XRP), ${SWAPS} per run, from ${USERS} users; latency is the two requests`);
  console.log('  concurrency       swaps/s   p50 ms   p99 ms   max ms  SQL/swap');
  for (const concurrency of CONCURRENCY) {
    const [result, sqlPerSwap] = await countingSql(baseUrl, SWAPS, () => drive(SWAPS, concurrency, swap(`run${++runId}`)));
    printRun(concurrency, result, sqlPerSwap);
  }

  const audit = await api.post('/v1/ops/audit', undefined, { token: adminToken });
  const inventory = await api.get('/v1/ops/exchange/inventory', { token: adminToken });
  console.log(`\nledger audit: ${audit.body.ok ? 'balanced' : 'DRIFT'} (${audit.body.transfers_checked} transfers)`);
  console.log(`inventory after the runs: ${JSON.stringify(inventory.body.data)}`);
  agent.destroy();
}
