/**
 * Webhooks' part of the worker: the delivery activities; a listener on `sluice_webhooks` that starts the workflows
 * of deliveries as soon as the transaction that published them commits; and the sweep that starts any a lost
 * notification missed.
 */
import { CoalescingRunner } from '../../platform/coalescing-runner.js';
import { required, webhookSettings } from '../../platform/config.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import {
  DELIVERIES_CHANNEL,
  deliveryOutbox,
  startNotifiedDeliveries,
  startUnstartedDeliveries,
} from '../../services/webhooks/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createWebhookActivities } from './activities.js';

export const webhooksFeature: WorkerFeature<WorkerDeps> = {
  name: 'webhooks',
  async start({ config, sql, log, temporal }) {
    const settings = webhookSettings(config);
    const outbox = deliveryOutbox(temporal, sql, settings.retryDelaysMs);
    // notifications during a pass ask for one more pass, not one each
    const dispatcher = new CoalescingRunner(async () => {
      await startNotifiedDeliveries(outbox, log);
    });
    const dispatch = () => dispatcher.run().catch((error) => log.warn({ err: error }, 'starting webhook deliveries failed'));
    // postgres.js listens on a connection of its own and listens again after a reconnect; what was published while it
    // was away is started by the pass on (re)connect, and by the sweep
    const listening = await sql.listen(
      DELIVERIES_CHANNEL,
      () => void dispatch(),
      () => void dispatch(),
    );
    if (!settings.allowPrivateTargets) log.info('webhooks: private, loopback and link-local targets are refused');
    return {
      activities: createWebhookActivities({
        sql,
        log,
        key: deriveKey(required(config, 'SECRET_KEY'), 'webhooks'),
        allowPrivateTargets: settings.allowPrivateTargets,
      }),
      sweeps: [
        {
          name: 'webhook delivery sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () => startUnstartedDeliveries(outbox, log, config.START_SWEEP_INTERVAL / 1000),
        },
      ],
      close: () => listening.unlisten(),
    };
  },
};
