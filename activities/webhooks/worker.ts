/**
 * Webhooks' part of the worker: the delivery activities; a listener on `sluice_webhooks` that makes new deliveries'
 * first attempts as soon as the transaction that published them commits (first-attempts.ts: a workflow only for those
 * that must be retried); the sweep that starts the workflows of any a lost notification or a dead worker missed; and
 * the one that fails those whose workflow ended without them (ended-workflows.ts).
 */
import { RETRY_DELAYS_MS } from '../../domain/webhooks/delivery.js';
import { required, webhookSettings } from '../../platform/config.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { DELIVERIES_CHANNEL, deliveryOutbox, startUnstartedDeliveries } from '../../services/webhooks/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createWebhookActivities } from './activities.js';
import { failDeliveriesWithEndedWorkflows } from './ended-workflows.js';
import { FirstAttempts } from './first-attempts.js';

export const webhooksFeature: WorkerFeature<WorkerDeps> = {
  name: 'webhooks',
  async start({ config, sql, log, temporal }) {
    const settings = webhookSettings(config);
    const outbox = deliveryOutbox(temporal, sql, settings.retryDelaysMs);
    const activities = createWebhookActivities({
      sql,
      log,
      key: deriveKey(required(config, 'SECRET_KEY'), 'webhooks'),
      allowPrivateTargets: settings.allowPrivateTargets,
    });
    const firstAttempts = new FirstAttempts({
      sql,
      log,
      attempt: activities.attemptWebhookDelivery,
      outbox,
      retryDelaysMs: settings.retryDelaysMs ?? RETRY_DELAYS_MS,
    });
    // postgres.js listens on a connection of its own and listens again after a reconnect; what was published while it
    // was away is taken on (re)connect, and by the sweep
    const listening = await sql.listen(
      DELIVERIES_CHANNEL,
      () => firstAttempts.wake(),
      () => firstAttempts.wake(),
    );
    if (!settings.allowPrivateTargets) log.info('webhooks: private, loopback and link-local targets are refused');
    return {
      activities,
      sweeps: [
        {
          name: 'webhook delivery sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () => startUnstartedDeliveries(outbox, log, config.START_SWEEP_INTERVAL / 1000),
        },
        {
          // a workflow an operator terminated must not hold its delivery, and its subject's later ones, pending
          name: 'webhook ended workflow sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () => failDeliveriesWithEndedWorkflows({ sql, log, temporal }),
        },
      ],
      close: async () => {
        await listening.unlisten();
        await firstAttempts.close();
      },
    };
  },
};
