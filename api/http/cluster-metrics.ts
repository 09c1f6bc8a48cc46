/**
 * /metrics when the API runs as several processes (api/cluster.ts): any process may receive the scrape, so it asks
 * the primary, which collects every process's registry (prom-client's AggregatorRegistry: counters and histograms
 * summed) and answers. Alone, a process answers from its own registry.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'sluice:metrics-request';
const ANSWER = 'sluice:metrics-answer';
const TIMEOUT_MS = 5_000;

interface MetricsMessage {
  type: typeof REQUEST | typeof ANSWER;
  id: number;
  text?: string;
}

const isMetricsMessage = (message: unknown, type: MetricsMessage['type']): message is MetricsMessage =>
  typeof message === 'object' && message !== null && (message as MetricsMessage).type === type;

/** The text to serve at /metrics. */
export function metricsRenderer(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  // answers the primary's collection with this registry (prom-client listens once an AggregatorRegistry exists)
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
  const waiting = new Map<number, (text: string) => void>();
  let nextId = 0;
  process.on('message', (message) => {
    if (isMetricsMessage(message, ANSWER)) waiting.get(message.id)?.(message.text ?? '');
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary did not answer with the metrics'));
      }, TIMEOUT_MS);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(text);
      });
      process.send!({ type: REQUEST, id } satisfies MetricsMessage);
    });
}

/** In the primary: answers any process's request with the metrics of all of them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message) => {
    if (!isMetricsMessage(message, REQUEST)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text } satisfies MetricsMessage),
      (error: Error) => worker.send({ type: ANSWER, id: message.id, text: `# metrics unavailable: ${error.message}\n` }),
    );
  });
}
