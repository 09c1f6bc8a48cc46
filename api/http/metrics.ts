/** Prometheus metrics for the API process, served at /metrics. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { metricsRenderer } from './cluster-metrics.js';

export interface ApiMetrics {
  registry: Registry;
  /** The text for /metrics: this process's, or every API process's when they run as a cluster. */
  render(): Promise<string>;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  ledgerOutcomes: Counter<'outcome'>;
  /** Every SQL statement the process sends (the db client's hook): the bench divides it by the requests served. */
  sqlStatements: Counter;
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
  };
}
