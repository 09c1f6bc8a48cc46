/**
 * What every fault scenario shares: its rows of the table, the ledger audit at the end, a bounded wait, and for the
 * kill -9 storms the killer, the retrying client and their verified users.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, ApiResponse } from '../../test/support/http.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { JsonRpcProvider } from 'ethers';
import { startDevStack, type DevStack } from '../support/dev-stack.js';
import { runConcurrently } from '../support/stats.js';

/** One count of the table; `value` should be 0 (a count of what went wrong) unless `expected` says otherwise. */
export interface ChaosRow {
  scenario: string;
  count: string;
  value: number;
}

/** The ledger audit (POST /v1/ops/audit, the worker's recomputation): currencies not summing to zero, and drifts. */
export async function auditRows(scenario: string, api: ApiClient, adminToken: string): Promise<ChaosRow[]> {
  let report: { ok: boolean; currencies: Array<{ balanced: boolean }>; drifts: unknown[] } | undefined;
  await waitUntil(
    'the ledger audit',
    async () => {
      const started = await api.post('/v1/ops/audit', undefined, { token: adminToken });
      if (started.status === 202) {
        const id = started.body.workflow_id as string;
        await waitUntil(
          'the audit finishing',
          async () => {
            const status = await api.get(`/v1/ops/audits/${id}`, { token: adminToken });
            if (status.status !== 200 || status.body.state === 'running') throw new Error('running');
            report = status.body;
          },
          { timeoutMs: 300_000, intervalMs: 1_000 },
        );
      } else if (started.status === 200) report = started.body;
      else throw new Error(`${started.status} ${JSON.stringify(started.body)}`);
    },
    { timeoutMs: 300_000, intervalMs: 2_000 },
  );
  return [
    {
      scenario,
      count: 'currencies whose ledger does not sum to zero',
      value: report!.currencies.filter((c) => !c.balanced).length,
    },
    { scenario, count: 'audit drifts (running sums ≠ journal)', value: report!.drifts.length },
  ];
}

/** The response; 'hung' if it took longer than `ms`, 'dropped' if the connection failed (the process died). */
export async function attempt(ms: number, request: Promise<ApiResponse>): Promise<ApiResponse | 'hung' | 'dropped'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      request.catch(() => 'dropped' as const),
      new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kills one of `victims` (parts of the dev stack) with SIGKILL every 2–6 s until `kills` are done, as `done()` says;
 * the supervisor restarts each.
 */
export function killAtRandom(stack: DevStack, victims: string[], kills: number) {
  let done = 0;
  const finished = (async () => {
    while (done < kills) {
      await sleep(2_000 + Math.random() * 4_000);
      const victim = stack.part(victims[Math.floor(Math.random() * victims.length)]!);
      if (!victim) continue;
      try {
        process.kill(victim.pid, 'SIGKILL');
        done++;
      } catch {
        // it was being restarted
      }
    }
  })();
  return { finished, done: () => done };
}

/**
 * A client that retries a request as an integrator would (the same request, so the same Idempotency-Key) until the
 * API answers it with anything but a 5xx or a dropped connection; it keeps every 5xx other than 503 (the answer a
 * part down may give) it was answered, the ones a kill must never cause.
 */
/**
 * A dev stack for a kill storm (no XRPL listener: the storms move EVM money; the supervisor restarts what is killed,
 * quickly and as often as it takes) and a provider for its chain that caches nothing, so every read sees the node now.
 */
export async function startStormStack(name: string): Promise<{ stack: DevStack; provider: JsonRpcProvider }> {
  const stack = await startDevStack(name, {
    DEV_SKIP_PROCESSES: 'listener-xrpl',
    DEV_MAX_RESTARTS: '100',
    DEV_RESTART_BACKOFF_MS: '500',
  });
  const provider = new JsonRpcProvider(`http://127.0.0.1:${stack.ports.anvil}`, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  return { stack, provider };
}

export function retryingClient() {
  const unexpected: string[] = [];
  let retries = 0;
  const call = async (request: () => Promise<ApiResponse>, what = 'a request'): Promise<ApiResponse> => {
    for (;;) {
      const response = await attempt(30_000, request());
      if (typeof response !== 'string' && response.status < 500) return response;
      retries++;
      if (typeof response !== 'string' && response.status !== 503)
        unexpected.push(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
      await sleep(500);
    }
  };
  return { call, unexpected, retried: () => retries };
}

/**
 * The confirmation code mailed for withdrawal `id` (in the subject of the mail whose text names it), read from the dev
 * mailbox through `call` (a retrying client's) until it comes or `timeoutMs` passes.
 */
export async function mailedCode(
  call: (request: () => Promise<ApiResponse>) => Promise<ApiResponse>,
  stack: Pick<DevStack, 'api' | 'adminToken'>,
  email: string,
  id: string,
  timeoutMs: number,
): Promise<string> {
  let code = '';
  // a user's withdrawals each have their mails: look at the last 100
  await waitUntil(
    `the code of withdrawal ${id}`,
    async () => {
      const inbox = await call(() =>
        stack.api.get(`/v1/ops/mail?limit=100&to=${encodeURIComponent(email)}`, { token: stack.adminToken }),
      );
      const mail = inbox.body.data?.find((m: { subject: string; text: string }) => m.text.includes(id));
      if (!mail) throw new Error('not yet');
      code = /\b(\d{6})\b/.exec(mail.subject)![1]!;
    },
    { timeoutMs, intervalMs: 1_000 },
  );
  return code;
}

/** `count` users signed up with their email verified (an operator's override) and an ETH deposit address. */
export async function signUpVerified(stack: DevStack, count: number, prefix: string) {
  const users: Array<{ id: string; token: string; email: string; address: string }> = new Array(count);
  const run = randomBytes(2).toString('hex');
  await runConcurrently(count, 5, async (i) => {
    const email = `${prefix}-${run}-${i}@chaos.test`;
    const user = await stack.api.signUp(email);
    // withdrawing needs a verified email: an operator's override stands in for the link in the mail
    await stack.api.put(`/v1/ops/users/${user.id}/email-verified`, { verified: true }, { token: stack.adminToken });
    const address = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token })).body.address;
    users[i] = { ...user, email, address };
  });
  return users;
}

export type { ApiResponse };

export { sleep };
