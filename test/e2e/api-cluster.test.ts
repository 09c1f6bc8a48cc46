/**
 * The API as a cluster of two processes on one port (API_PROCESSES=2): both serve, /metrics adds them up, and a user
 * an admin disables through one process is refused by every process within a second (each process hears the change
 * through its own LISTEN connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { signedHeaders } from '../support/signed-request.js';
import { startStack, type Stack } from '../support/stack.js';
import { metricSamples } from '../support/metrics.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { API_PROCESSES: '2' } });
});
afterAll(() => stack?.stop());

const requestCount = async () => {
  const samples = metricSamples((await stack.api.get('/metrics')).body as string);
  return [...samples]
    .filter(([name]) => name.startsWith('sluice_http_request_duration_seconds_count{'))
    .reduce((sum, [, value]) => sum + value, 0);
};

describe('the API on two processes', () => {
  it('runs two processes, each listening for invalidations, and counts every request in /metrics', async () => {
    await waitUntil('two invalidation listeners', async () => {
      const [row] = await stack.db.sql`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = 'sluice-invalidations'`;
      if (row!.n !== 2) throw new Error(`${row!.n} listening`);
    });
    const before = await requestCount();
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack.api.get('/v1/me', { token: stack.admin.token })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // the 20 requests and the first /metrics scrape, whichever process served them
    expect((await requestCount()) - before).toBeGreaterThanOrEqual(21);
  });

  it('refuses a disabled user on every process within a second', async () => {
    const user = await stack.api.signUp('cluster-disabled@example.com');
    const created = await stack.api.createApiKey(user, { name: 'bot' });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    // several requests at once, so both processes answer (connections are handed out in turn) and cache the user
    const statuses = async () =>
      Promise.all([
        ...Array.from({ length: 4 }, async () => (await stack.api.get('/v1/me', { token: user.token })).status),
        ...Array.from(
          { length: 4 },
          async () => (await stack.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status,
        ),
      ]);
    expect(await statuses()).toEqual(Array(8).fill(200));

    const disabled = await stack.api.put(`/v1/ops/users/${user.id}/disabled`, { disabled: true }, { token: stack.admin.token });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    const started = Date.now();
    let seen: number[] = [];
    while (Date.now() - started < 1_000) {
      seen = await statuses();
      if (seen.every((status) => status === 401)) break;
    }
    expect(seen).toEqual(Array(8).fill(401));
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
