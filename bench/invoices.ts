/**
 * Invoices benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker processes):
 * invoices created per second through POST /v1/invoices and their latency under concurrency. Each creation checks
 * the USD limits at the current rate, stores the invoice with its `invoice.created` event in one transaction and
 * starts its workflow (store-then-start). Prints figures; asserts nothing about time.
 *
 *   node --import tsx bench/invoices.ts   BENCH_INVOICES (2000 per run), BENCH_CONCURRENCY (runs: "16,64")
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts).
 */
import { createSql } from '../platform/db/client.js';
import { countingSql } from './support/api-process.js';
import { drive, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { keepAliveAgent, post } from './support/http-post.js';

const INVOICES = Number(process.env.BENCH_INVOICES ?? 2_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,64').split(',').map(Number);
const WARMUP = 200;

await withApiStack('invoices', run);

async function run(stack: ApiStack) {
  const { api, baseUrl, adminToken } = stack;
  const email = 'merchant@bench.local';
  const merchant = await api.signUp(email);
  const role = await api.put(`/v1/ops/users/${merchant.id}/role`, { role: 'merchant' }, { token: adminToken });
  if (role.status !== 200) throw new Error(`merchant role: ${role.status} ${JSON.stringify(role.body)}`);
  const token = await api.login(email, 'a long enough password');

  const agent = keepAliveAgent(Math.max(...CONCURRENCY));
  const body = {
    amount: '49.90',
    currency: 'USDT',
    accepted_currencies: ['USDT', 'ETH', 'XRP'],
    expires_in: 900,
    order_id: 'bench',
  };
  let key = 0;
  const create = async () => (await post(agent, `${baseUrl}/v1/invoices`, token, `inv-${++key}`, body)) === 201;

  console.log(`warming up: ${WARMUP} invoices…`);
  await drive(WARMUP, CONCURRENCY[0]!, create);

  console.log(`\ninvoice creation: POST /v1/invoices, ${INVOICES} invoices per run, one merchant`);
  console.log('  concurrency    invoices/s   p50 ms   p99 ms   max ms   SQL/invoice');
  const sql = createSql(stack.databaseUrl, { max: 2 });
  for (const concurrency of CONCURRENCY) {
    const [result, sqlPerInvoice] = await countingSql(baseUrl, INVOICES, () => drive(INVOICES, concurrency, create));
    printRun(concurrency, result, sqlPerInvoice);
    // the workflows start after the answer (store-then-start): how long until every one of the run's is started
    const started = Date.now();
    for (;;) {
      const [row] = await sql`select count(*)::int as unstarted from invoices where not workflow_started`;
      if (row!.unstarted === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`      every workflow started ${((Date.now() - started) / 1000).toFixed(1)} s after the last answer`);
  }
  await sql.end();
}
