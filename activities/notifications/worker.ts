/**
 * Notifications' part of the worker: the activity through which workflows record notifications, the dispatcher that
 * routes recorded ones to their channels, makes each delivery's first attempt and starts a delivery workflow for what
 * must be retried, the delivery and broadcast activities
 * (mail, the Telegram bot, Slack webhooks), and the sweep that starts broadcasts the API did not.
 */
import { notificationSettings, required, telegramBot, webhookSettings } from '../../platform/config.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import {
  dispatchNotifications,
  sealSlackRoutes,
  startUnstartedBroadcasts,
  telegramUpdatePoller,
} from '../../services/notifications/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createNotificationActivities } from './activities.js';
import { createBroadcastActivities } from './broadcast.js';
import { createDeliveryActivities } from './delivery.js';

const TELEGRAM_POLL_MS = 2_000;

export const notificationsFeature: WorkerFeature<WorkerDeps> = {
  name: 'notifications',
  start: async (deps) => {
    const { config, sql, log, temporal } = deps;
    const settings = notificationSettings(config);
    const { mailer, telegram } = deps;
    const bot = telegramBot(config);
    if (!telegram) log.info('TELEGRAM_BOT_TOKEN is not set: Telegram deliveries fail until it is');
    const alertRoutesKey = deriveKey(required(config, 'SECRET_KEY'), 'alert-routes');
    const sealed = await sealSlackRoutes(sql, alertRoutesKey);
    if (sealed > 0) log.info({ routes: sealed }, 'sealed the Slack hooks of alert routes saved before sealing');
    const delivery = {
      sql,
      log,
      mailer,
      telegram,
      allowPrivateTargets: webhookSettings(config).allowPrivateTargets,
      alertRoutesKey,
    };
    let dispatching = false;
    return {
      activities: {
        ...createNotificationActivities(deps),
        ...createDeliveryActivities(delivery),
        ...createBroadcastActivities(delivery, settings.retry),
      },
      sweeps: [
        {
          name: 'notification dispatch',
          everyMs: settings.dispatchIntervalMs,
          async run() {
            if (dispatching) return; // the previous run is still routing a burst
            dispatching = true;
            try {
              await dispatchNotifications({ sql, temporal, log, retry: settings.retry, delivery });
            } finally {
              dispatching = false;
            }
          },
        },
        // with no webhook secret there is no webhook: the worker asks Telegram for the messages users send the bot
        ...(telegram && !bot!.webhookSecret
          ? [{ name: 'Telegram updates', everyMs: TELEGRAM_POLL_MS, run: telegramUpdatePoller({ sql, log, bot: telegram }) }]
          : []),
        {
          name: 'broadcast sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () =>
            startUnstartedBroadcasts({ sql, temporal, log, settings: settings.broadcast }, config.START_SWEEP_INTERVAL / 1000),
        },
      ],
    };
  },
};
