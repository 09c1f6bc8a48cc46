/** What every fault scenario shares: its rows of the table, the ledger audit at the end, a bounded wait. */
import type { ApiClient, ApiResponse } from '../../test/support/http.js';
import { waitUntil } from '../../platform/embedded/process.js';

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

export type { ApiResponse };

export { setTimeout as sleep } from 'node:timers/promises';
