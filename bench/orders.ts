/**
 * Orders through the API on a real stack (embedded PostgreSQL, the Temporal dev server, the worker, and the API
 * process that runs the matching engines): POST /v1/orders under concurrency, each one held, journaled, matched and
 * settled before it answers. Limit orders on both sides around one price, so about half trade. Prints orders/s and
 * latency percentiles and SQL statements sent per order (the API's /metrics), then audits the market (engine hash vs journal, held funds vs escrow) and the ledger.
 * Last, the API stopped, the same stream of orders goes to the exchange service and its engine in this process (it
 * takes over the market's leadership), and the last table sets the API against it at the highest concurrency.
 *
 *   node --import tsx bench/orders.ts      BENCH_ORDERS (10000 per run), BENCH_CONCURRENCY (runs: "16,32,64"), BENCH_USERS (100)
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts).
 */
import type { OrderRequest } from '../domain/exchange/order-request.js';
import { createSql } from '../platform/db/client.js';
import { createLogger } from '../platform/log.js';
import { Markets } from '../services/exchange/markets.js';
import { loadPairs } from '../services/exchange/pairs-store.js';
import { ExchangeService } from '../services/exchange/service.js';
import { drive, fundedUsers, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { printComparisons } from './support/api-process.js';
import { benchConcurrencies, benchNumber, comparison, runsThroughApi } from './support/api-runs.js';
import { keepAliveAgent, post } from './support/http-post.js';
import { mulberry32 } from '../test/support/order-stream.js';

const ORDERS = benchNumber('ORDERS', 10_000);
const CONCURRENCY = benchConcurrencies('16,32,64');
const USERS = benchNumber('USERS', 100);
const WARMUP = 1_000;

await withApiStack('orders', run);

async function run(stack: ApiStack) {
  console.log(`setting up: ${USERS} users with BTC and USDT…`);
  const users = await fundedUsers(stack, USERS, 'trader', { BTC: '1000.00000000', USDT: '100000000.000000' });
  const agent = keepAliveAgent(Math.max(...CONCURRENCY));
  const random = mulberry32(7);
  // within 0.20 USDT of 30,000: buyers and sellers cross about half the time
  const nextOrder = () => {
    const side = random() < 0.5 ? ('buy' as const) : ('sell' as const);
    return { side, cents: 3_000_000 + Math.floor(random() * 40) - 20 + (side === 'buy' ? -5 : 5) };
  };
  const overHttp = (runId: string) => async (n: number) => {
    const user = users[n % users.length]!;
    const { side, cents } = nextOrder();
    const price = cents.toString().replace(/(\d{2})$/, '.$1');
    const body = { pair: 'BTC-USDT', side, type: 'limit', price, amount: '0.001' };
    return (await post(agent, `${stack.baseUrl}/v1/orders`, user.token, `o-${runId}-${n}`, body)) === 201;
  };

  console.log(`warming up: ${WARMUP} orders…`);
  await drive(WARMUP, CONCURRENCY[0]!, overHttp('warm-up'));
  // a database in service has planner statistics (autovacuum analyzes a table within a minute of its changes); this
  // one's would be of empty tables for the whole run, and the planner then hashes whole tables where an index finds
  // the few rows a batch touches, a cost that grows with the run
  const analyzer = createSql(stack.databaseUrl, { max: 1 });
  await analyzer`analyze`;
  await analyzer.end();

  console.log(`\norders: POST /v1/orders on BTC-USDT, ${ORDERS} per run, from ${USERS} users (hold → journal → match → settle)`);
  const runs = await runsThroughApi(stack.baseUrl, ORDERS, CONCURRENCY, 'order', (concurrency) => overHttp(`c${concurrency}`));

  const book = (await stack.api.get('/v1/ops/markets/BTC-USDT', { token: stack.adminToken })).body as { seq: number };
  const audit = await stack.api.post('/v1/ops/markets/BTC-USDT/audit', undefined, { token: stack.adminToken });
  console.log(
    `\nmarket audit at seq ${book.seq}: ${audit.body.ok ? 'engine hash = journal hash, holds = escrow' : `MISMATCH ${JSON.stringify(audit.body)}`}`,
  );
  const ledger = await stack.api.post('/v1/ops/audit', undefined, { token: stack.adminToken });
  console.log(`ledger audit: ${ledger.body.ok ? 'balanced' : 'DRIFT'} (${ledger.body.transfers_checked} transfers)`);
  agent.destroy();

  // the same orders without HTTP, auth and JSON: the exchange service and the pair's engine in this process
  await stack.stopApi();
  const top = Math.max(...CONCURRENCY);
  const sql = createSql(stack.databaseUrl, { max: 10 });
  const markets = new Markets(sql, stack.databaseUrl, createLogger('bench-orders', 'error'));
  markets.start((await loadPairs(sql)).filter((p) => p.code === 'BTC-USDT'));
  await markets.ready('BTC-USDT');
  const exchange = new ExchangeService(sql, markets);
  const inProcess = await drive(ORDERS, top, async (n) => {
    const { side, cents } = nextOrder();
    const order: OrderRequest = {
      side,
      type: 'limit',
      price: BigInt(cents) * 10_000n,
      amount: 100_000n,
      quoteAmount: null,
      timeInForce: 'GTC',
      postOnly: false,
    };
    await exchange.place({
      ...order,
      userId: users[n % users.length]!.id,
      pair: 'BTC-USDT',
      clientOrderId: null,
      idempotencyKey: `in-process-${n}`,
    });
    return true;
  });
  console.log('  the exchange service and its engine called in-process (no HTTP), for comparison:');
  printRun(top, inProcess);
  await markets.close();
  await sql.end({ timeout: 5 });
  printComparisons(`POST /v1/orders against the exchange service in-process, both at concurrency ${top}, this run`, [
    comparison(
      'limit order (hold, journal, match, settle)',
      runs.find((r) => r.concurrency === top)!,
      inProcess,
    ),
  ]);
}
