/**
 * Invoices benchmark on a real stack (embedded PostgreSQL, the Temporal dev server, the API and worker processes):
 * invoices created per second through POST /v1/invoices and their latency under concurrency. Each creation checks
 * the USD limits at the current rate and stores the invoice with its `invoice.created` event (group commit); the
 * worker starts its workflow once that commits (store-then-start), and the bench says how long after the run. Prints figures; asserts nothing about time.
 *
 *   node --import tsx bench/invoices.ts   BENCH_INVOICES (2000 per run), BENCH_CONCURRENCY (runs: "16,64")
 * and the API process's BENCH_API_PROCESSES / BENCH_API_NODE_ARGS (bench/support/api-process.ts). The last lines
 * compare the API with the invoice service called in-process at the highest concurrency, in the same run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../platform/config.js';
import { createSql } from '../platform/db/client.js';
import { CurrencyCatalog } from '../services/currencies/catalog.js';
import { ratesPriceSource } from '../services/invoices/pricing.js';
import { createInvoice } from '../services/invoices/service.js';
import { invoiceSettings } from '../services/invoices/settings.js';
import { InvoiceWriter } from '../services/invoices/writer.js';
import { CurrentRates } from '../services/rates/client.js';
import { printComparisons } from './support/api-process.js';
import { benchConcurrencies, benchNumber, comparison, runsThroughApi } from './support/api-runs.js';
import { drive, printRun, withApiStack, type ApiStack } from './support/api-stack.js';
import { keepAliveAgent, post } from './support/http-post.js';

const INVOICES = benchNumber('INVOICES', 2_000);
const CONCURRENCY = benchConcurrencies('16,64');
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
  const sql = createSql(stack.databaseUrl, { max: 10 });
  const runs = await runsThroughApi(
    baseUrl,
    INVOICES,
    CONCURRENCY,
    'invoice',
    () => create,
    async () => {
      // the workflows start after the answer (store-then-start): how long until every one of the run's is started
      const started = Date.now();
      for (;;) {
        const [row] = await sql`select count(*)::int as unstarted from invoices where not workflow_started`;
        if (row!.unstarted === 0) break;
        await sleep(100);
      }
      console.log(`      every workflow started ${((Date.now() - started) / 1000).toFixed(1)} s after the last answer`);
    },
  );

  // the same creations without HTTP, auth and JSON: the invoice service over its batching writer, in this process
  // (its workflows are started by the worker as the API's are; the fees and limits here are the API's defaults)
  const top = Math.max(...CONCURRENCY);
  const currencies = new CurrencyCatalog(sql);
  const deps = {
    writer: new InvoiceWriter(sql, currencies),
    currencies,
    prices: ratesPriceSource(new CurrentRates(sql)),
    settings: invoiceSettings(loadConfig({ SLUICE_ENV: 'dev' })),
  };
  const [usdt, eth, xrp] = await Promise.all(['USDT', 'ETH', 'XRP'].map(async (code) => (await currencies.get(code))!));
  const inProcess = await drive(INVOICES, top, async (n) => {
    const { replayed } = await createInvoice(deps, {
      merchantId: merchant.id,
      idempotencyKey: `in-process-${n}`,
      currency: usdt!,
      amount: 49_900_000n,
      acceptedCurrencies: [usdt!, eth!, xrp!],
      expiresInSeconds: 900,
      description: null,
      orderId: 'bench',
      metadata: {},
      callback: undefined,
      redirectUrl: null,
    });
    return !replayed;
  });
  console.log('  the invoice service called in-process (no HTTP), for comparison:');
  printRun(top, inProcess);
  printComparisons(`invoice creation against the invoice service, both at concurrency ${top}, this run`, [
    comparison(
      'POST /v1/invoices',
      runs.find((r) => r.concurrency === top)!,
      inProcess,
    ),
  ]);
  await sql.end();
}
