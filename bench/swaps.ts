/**
 * Fast-exchange benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker
 * processes): quote→accept swaps per second through the API under concurrency, each swap being its two requests
 * (POST /v1/exchange/quotes, then POST /v1/exchange/quotes/{id}/accept), with the latency of the pair. Prints figures;
 * asserts nothing about time. Ends with the ledger audit (every swap is three transfers against the inventory).
 *
 *   node --import tsx bench/swaps.ts     BENCH_SWAPS (5000 per run), BENCH_CONCURRENCY (runs: "16,32,64"), BENCH_USERS (100)
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts). The last lines
 * compare the API with the fast-exchange service called in-process at the highest concurrency, in the same run.
 */
import { randomBytes } from 'node:crypto';
import { createSql } from '../platform/db/client.js';
import { CurrencyCatalog } from '../services/currencies/catalog.js';
import { acceptQuote, createQuote, type FastExchangeDeps } from '../services/fast-exchange/service.js';
import { QuoteWriter } from '../services/fast-exchange/quotes-store.js';
import { LedgerWriter } from '../services/ledger/writer.js';
import { CurrentRates } from '../services/rates/client.js';
import { SettingsResolver } from '../services/settings/client.js';
import { UserDirectory } from '../services/users-auth/client.js';
import { printComparisons, writeBatchesInFlight } from './support/api-process.js';
import { benchConcurrencies, benchNumber, comparison, runsThroughApi } from './support/api-runs.js';
import { drive, fundedUsers, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { keepAliveAgent, post, postForJson } from './support/http-post.js';

const SWAPS = benchNumber('SWAPS', 5_000);
const CONCURRENCY = benchConcurrencies('16,32,64');
const USERS = benchNumber('USERS', 100);
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
  const runs = await runsThroughApi(baseUrl, SWAPS, CONCURRENCY, 'swap', () => swap(`run${++runId}`));

  // the same swaps without HTTP, auth and JSON: the fast-exchange service over its batching writers, in this process
  const top = Math.max(...CONCURRENCY);
  const sql = createSql(stack.databaseUrl, { max: 10 });
  const currencies = new CurrencyCatalog(sql);
  const service: FastExchangeDeps = {
    sql,
    ledger: new LedgerWriter(sql, writeBatchesInFlight()),
    rates: new CurrentRates(sql),
    settings: new SettingsResolver(sql),
    users: new UserDirectory(sql, randomBytes(32)),
    quotes: new QuoteWriter(sql),
    currencies,
  };
  const [from, to] = [(await currencies.get('USDT'))!, (await currencies.get('XRP'))!];
  const inProcess = await drive(SWAPS, top, async (n) => {
    const userId = users[n % users.length]!.id;
    const quote = await createQuote(service, { userId, from, to, amount: { field: 'amount_in', value: 2_500_000n } });
    await acceptQuote(service, { userId, quoteId: quote.id, idempotencyKey: `in-process-${n}` });
    return true;
  });
  console.log('  the fast-exchange service called in-process (no HTTP), for comparison:');
  printRun(top, inProcess);
  await sql.end({ timeout: 5 });
  // per request: a swap is two requests
  printComparisons(`quote→accept swaps against the fast-exchange service, both at concurrency ${top}, this run`, [
    comparison(
      'swap (quote + accept)',
      runs.find((r) => r.concurrency === top)!,
      inProcess,
      2,
    ),
  ]);

  const audit = await api.post('/v1/ops/audit', undefined, { token: adminToken });
  const inventory = await api.get('/v1/ops/exchange/inventory', { token: adminToken });
  console.log(`\nledger audit: ${audit.body.ok ? 'balanced' : 'DRIFT'} (${audit.body.transfers_checked} transfers)`);
  console.log(`inventory after the runs: ${JSON.stringify(inventory.body.data)}`);
  agent.destroy();
}
