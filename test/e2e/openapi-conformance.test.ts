/**
 * The OpenAPI document says what the API does: schemathesis (installed by scripts/install-tools.sh into
 * .tools/schemathesis) runs every check it has (`--checks all`) against /openapi.json of a real stack, with a bounded
 * number of examples per operation and a fixed seed, and must report zero failures of any kind: once as an admin (every
 * operation), once as a merchant (the merchant's operations, invoices and webhooks, which answer an admin 403).
 *
 * Where a check cannot apply, the configuration below says so, and why. The principle: a value that breaks the
 * document's schema is a 400; a value the schema allows can still be refused for reasons no JSON Schema can state,
 * with a declared 400 or 422 naming the field and its problem code:
 * - every operation: the state of the world (422 insufficient_funds, currency_disabled, limits; 409 conflicts; 404 for
 *   ids that do not exist), so positive_data_acceptance also takes 422;
 * - path and query parameters naming catalog entries (a pair, a currency) and XRPL accounts are given real values
 *   (`[parameters]`): a pair code that matches the pattern is still not a pair we trade;
 * - the operations listed under `[[operations]]` also take 400 for schema-valid data, each for the reason above it:
 *   an opaque cursor (only cursors this API issued are valid), an XRPL address's checksum, a currency's scale (how
 *   many decimals depends on the currency named beside the amount), and rules across fields or about the caller.
 *   A new paged list belongs in the first entry.
 *
 * Failures print as schemathesis reports them (operation, check, the curl line to reproduce), so a route added
 * later that breaks the document says where.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signUpMerchant } from '../support/merchant.js';
import { startStack, type Stack } from '../support/stack.js';
import { startSumsubDouble, type SumsubDouble } from '../support/sumsub-double.js';

const ST = join(import.meta.dirname, '../../.tools/schemathesis/bin/st');
const MAX_EXAMPLES = 15;
const SEED = 20261130;
const RUN_TIMEOUT_MS = 8 * 60_000;

const CONFIG = `
# every route refuses U+0000 in any string with a 400 (PostgreSQL's text cannot hold it: api/http/unstorable-text.ts),
# a rule the document cannot state on each string
[generation]
allow-x00 = false

[parameters]
"path.pair" = "BTC-USDT"
"query.pair" = "BTC-USDT"
"path.currency" = "USD"
"path.address" = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"
"query.account" = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]

# opaque cursors: a string of the cursor alphabet is not a position this API issued
[[operations]]
include-method = "GET"
include-path-regex = "^/(api/(accounts|transactions)|v1/(bets|deposits|events|ledger/transfers|notifications|orders|orders/history|trades|withdrawals|ops/(alerts|audits|collections|mail|security-events|users|withdrawals|xrpl/unmatched)))$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]

# an XRPL address in a body: the pattern cannot check its checksum
[[operations]]
include-path-regex = "^/api/accounts$"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]

# amounts whose decimals depend on the currency beside them, catalog codes in bodies (pairs, currencies), and rules
# across fields (one of to_email and to_user_id; quote_amount for market buys only; max not below min; a deadline in
# the future; a coefficient above 1) or about the caller (an allow-list that locks the caller out, an admin changing
# themselves, a provider listed twice, an IP allow-list entry that is not an address); a cron field's range (hour 0–23);
# an exchange id ccxt must know; an event type named twice; a mail template's subject; a deposit auto-conversion between
# two currencies no pair exchanges
[[operations]]
include-path-regex = "^/v1/(deposits/auto-conversions/[^/]+|notifications/preferences|bets|orders|triggers|transfers|withdrawals|deposit/address|events(/[^/]+)?|api-keys|me/ip-allowlist|ops/(adjustments|providers|settings/.+|users/[^/]+/(role|disabled|account)|report-schedules|custody-minimums|notification-templates/.+|pairs/[^/]+/(fast-exchange|rate-source)))$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]

# a user's id taken by a stateful link from a field that may be null (a security event without a user) comes as the
# text "None": no uuid, so a 400 naming \`id\`, though schemathesis sends what a link gives without checking it
[[operations]]
include-path-regex = "^/v1/ops/users/[^/]+/[^/]+$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]

# a webhook endpoint's URL: the pattern cannot hold every rule of the URL parser (a port above 65535, a malformed
# IPv6 literal)
[[operations]]
include-path-regex = "^/v1/webhooks/endpoints(/[^/]+)?$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
`;

let stack: Stack;
let sumsub: SumsubDouble;
beforeAll(async () => {
  // a bot token and a KYC provider (its double), so the Telegram and verification routes answer as configured (401 for
  // data nobody signed) instead of 503
  sumsub = await startSumsubDouble(() => `${stack.url}/v1/webhooks/kyc`);
  stack = await startStack({
    env: {
      TELEGRAM_BOT_TOKEN: `123456:${'A'.repeat(35)}`,
      SUMSUB_BASE_URL: sumsub.url,
      SUMSUB_APP_TOKEN: sumsub.appToken,
      SUMSUB_SECRET_KEY: sumsub.secretKey,
      SUMSUB_WEBHOOK_SECRET: sumsub.webhookSecret,
    },
  });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await sumsub?.close();
});

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // in the stack's directory: schemathesis keeps a cache of crashes in its working directory
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Runs schemathesis as the bearer of `token`; `only` limits it to operations whose path matches. */
async function schemathesis(token: string, only?: string): Promise<void> {
  expect(existsSync(ST), `schemathesis is missing: run scripts/install-tools.sh`).toBe(true);
  const config = join(stack.logDir, 'schemathesis.toml');
  await writeFile(config, CONFIG);
  const { code, output } = await run(
    ST,
    [
      '--config-file',
      config,
      'run',
      `${stack.url}/openapi.json`,
      '--header',
      `Authorization: Bearer ${token}`,
      ...(only ? ['--include-path-regex', only] : []),
      '--checks',
      'all',
      '--max-examples',
      String(MAX_EXAMPLES),
      // one worker: with two, hypothesis describes its filters by parsing source in both threads at once, and
      // CPython 3.11's ast is not thread-safe ("AST constructor recursion depth mismatch" errors at random)
      '--workers',
      '1',
      '--seed',
      String(SEED),
      '--no-shrink',
      // above the API's own REQUEST_TIMEOUT (30s), so a slow answer is its declared 408, never a client timeout
      '--request-timeout',
      '40',
      '--no-color',
      '--output-truncate',
      'false',
    ],
    stack.logDir,
    RUN_TIMEOUT_MS,
  );
  if (code !== 0) console.log(output);
  expect(code, 'schemathesis reported failures (printed above)').toBe(0);
}

it(
  'schemathesis finds nothing the document does not say, as an admin',
  () => schemathesis(stack.admin.token),
  RUN_TIMEOUT_MS + 30_000,
);

it(
  "schemathesis finds nothing the document does not say, as a merchant (the merchant's own operations)",
  async () => schemathesis((await signUpMerchant(stack, 'merchant@conformance.test')).token, '^/v1/(invoices|webhooks)(/|$)'),
  RUN_TIMEOUT_MS + 30_000,
);
