/**
 * Orders through the API on a real stack (embedded PostgreSQL, the Temporal dev server, the worker, and the API
 * process that runs the matching engines): POST /v1/orders under concurrency, each one held, journaled, matched and
 * settled before it answers. Limit orders on both sides around one price, so about half trade. Prints orders/s and
 * latency percentiles and SQL statements sent per order (the API's /metrics), then audits the market (engine hash vs journal, held funds vs escrow) and the ledger.
 *
 *   node --import tsx bench/orders.ts      BENCH_ORDERS (10000 per run), BENCH_CONCURRENCY (runs: "16,32,64"), BENCH_USERS (100)
 */
import { drive, fundedUsers, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { sqlStatementsSent } from './support/api-process.js';
import { keepAliveAgent, post } from './support/http-post.js';
import { mulberry32 } from '../test/support/order-stream.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,32,64').split(',').map(Number);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const WARMUP = 1_000;

await withApiStack('orders', run);

async function run(stack: ApiStack) {
  console.log(`setting up: ${USERS} users with BTC and USDT…`);
  const users = await fundedUsers(stack, USERS, 'trader', { BTC: '1000.00000000', USDT: '100000000.000000' });
  const agent = keepAliveAgent(Math.max(...CONCURRENCY));
  const random = mulberry32(7);
  const overHttp = (runId: string) => async (n: number) => {
    const user = users[n % users.length]!;
    const side = random() < 0.5 ? 'buy' : 'sell';
    // within 0.20 USDT of 30,000: buyers and sellers cross about half the time
    const cents = Math.floor(random() * 40) - 20 + (side === 'buy' ? -5 : 5);
    const price = (3_000_000 + cents).toString().replace(/(\d{2})$/, '.$1');
    const body = { pair: 'BTC-USDT', side, type: 'limit', price, amount: '0.001' };
    return (await post(agent, `${stack.baseUrl}/v1/orders`, user.token, `o-${runId}-${n}`, body)) === 201;
  };

  console.log(`warming up: ${WARMUP} orders…`);
  await drive(WARMUP, CONCURRENCY[0]!, overHttp('warm-up'));

  console.log(`\norders: POST /v1/orders on BTC-USDT, ${ORDERS} per run, from ${USERS} users (hold → journal → match → settle)`);
  console.log('  concurrency      orders/s   p50 ms   p99 ms   max ms  SQL/order');
  for (const concurrency of CONCURRENCY) {
    const before = await sqlStatementsSent(stack.baseUrl);
    const run = await drive(ORDERS, concurrency, overHttp(`c${concurrency}`));
    printRun(concurrency, run, ((await sqlStatementsSent(stack.baseUrl)) - before) / ORDERS);
  }

  const book = (await stack.api.get('/v1/ops/markets/BTC-USDT', { token: stack.adminToken })).body as { seq: number };
  const audit = await stack.api.post('/v1/ops/markets/BTC-USDT/audit', undefined, { token: stack.adminToken });
  console.log(
    `\nmarket audit at seq ${book.seq}: ${audit.body.ok ? 'engine hash = journal hash, holds = escrow' : `MISMATCH ${JSON.stringify(audit.body)}`}`,
  );
  const ledger = await stack.api.post('/v1/ops/audit', undefined, { token: stack.adminToken });
  console.log(`ledger audit: ${ledger.body.ok ? 'balanced' : 'DRIFT'} (${ledger.body.transfers_checked} transfers)`);
  agent.destroy();
}
