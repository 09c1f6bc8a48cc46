/**
 * What a signed API key request costs next to a bearer token on the same read (GET /v1/balances): requests/s,
 * latency and SQL statements per request. A key's scopes and IP allow-list come from the in-memory directory (no
 * SQL); its nonce is one INSERT shared by the concurrent requests of a batch (services/users-auth/api-key-nonces.ts).
 * Prints figures; asserts nothing.
 *
 *   node --import tsx bench/api-keys.ts      BENCH_REQUESTS (5000 per run), BENCH_CONCURRENCY (runs: "16,64")
 */
import { Agent, request } from 'node:http';
import { signedHeaders } from '../test/support/signed-request.js';
import { countingSql } from './support/api-process.js';
import { drive, printRun, withApiStack, type ApiStack } from './support/api-stack.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,64').split(',').map(Number);
const PATH = '/v1/balances';

await withApiStack('api-keys', run);

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(stack: ApiStack) {
  const user = await stack.api.signUp('reader@bench.local');
  const created = await stack.api.createApiKey(user, { name: 'bench', scopes: ['read'] });
  if (created.status !== 201) throw new Error(`key: ${created.status} ${JSON.stringify(created.body)}`);
  const key = { id: created.body.id as string, secret: created.body.secret as string };
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(...CONCURRENCY) });
  const url = `${stack.baseUrl}${PATH}`;
  const ways: Array<[string, () => Record<string, string>]> = [
    ['bearer token', () => ({ authorization: `Bearer ${user.token}` })],
    ['signed API key', () => signedHeaders(key, 'GET', PATH)],
  ];
  for (const [name, headers] of ways) {
    console.log(`\n${name}: GET ${PATH}\n  concurrency     req/s   p50 ms   p99 ms   max ms  SQL/req`);
    await drive(500, 16, () => get(agent, url, headers())); // warm-up: caches, connections
    for (const concurrency of CONCURRENCY) {
      const [result, sqlPerRequest] = await countingSql(stack.baseUrl, REQUESTS, () =>
        drive(REQUESTS, concurrency, () => get(agent, url, headers())),
      );
      printRun(concurrency, result, sqlPerRequest);
    }
  }
}
