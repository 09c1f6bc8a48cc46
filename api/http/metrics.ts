/** Prometheus metrics for the API process, served at /metrics. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { metricsRenderer } from './cluster-metrics.js';
import type { BatchPhases } from '../../services/betting/placement.js';

export interface ApiMetrics {
  registry: Registry;
  /** The text for /metrics: this process's, or every API process's when they run as a cluster. */
  render(): Promise<string>;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  ledgerOutcomes: Counter<'outcome'>;
  /** Every SQL statement the process sends (the db client's hook): the bench divides it by the requests served. */
  sqlStatements: Counter;
  /** The bet placer's group-commit batches: their sizes, and where each one's time went (BatchPhases). */
  betBatchSize: Histogram;
  betBatchPhases: Histogram<'phase'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    render: metricsRenderer(registry),
    requestDuration: new Histogram({
      name: 'sluice_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ledgerOutcomes: new Counter({
      name: 'sluice_ledger_requests_total',
      help: 'Ledger writes requested through the API, by outcome (posted, replayed, or the refusal code)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    sqlStatements: new Counter({
      name: 'sluice_sql_statements_total',
      help: 'SQL statements sent to PostgreSQL (a pipelined batch counts each of its statements)',
      registers: [registry],
    }),
    betBatchSize: new Histogram({
      name: 'sluice_bet_batch_size',
      help: 'Bets per group-commit batch of the bet placer',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 250],
      registers: [registry],
    }),
    betBatchPhases: new Histogram({
      name: 'sluice_bet_batch_phase_seconds',
      help: "A bet batch's wall time by phase: reads (BEGIN, reads and locks), deciding, writes (COMMIT issued to committed)",
      labelNames: ['phase'],
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.25, 1],
      registers: [registry],
    }),
  };
}

/** The bet placer's `onBatch` for the API: each committed batch into the two histograms above. */
export function observeBetBatches(metrics: ApiMetrics): (phases: BatchPhases) => void {
  return ({ bets, readsMs, decidingMs, writesMs }) => {
    metrics.betBatchSize.observe(bets);
    metrics.betBatchPhases.observe({ phase: 'reads' }, readsMs / 1000);
    metrics.betBatchPhases.observe({ phase: 'deciding' }, decidingMs / 1000);
    metrics.betBatchPhases.observe({ phase: 'writes' }, writesMs / 1000);
  };
}
