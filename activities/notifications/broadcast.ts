/**
 * A broadcast's page: the next users of its audience, a delivery row each per channel they can be reached on, then the
 * sends, paced per channel and claimed one by one in the delivery log (a retried page skips what was sent). Heartbeats
 * after every send; a cancelled page stops starting sends and lets those in flight finish.
 */
import { CancelledFailure, Context } from '@temporalio/activity';
import type { UserChannel } from '../../domain/notifications/events.js';
import {
  audiencePage,
  broadcastById,
  finishBroadcast,
  recordBroadcastProgress,
} from '../../services/notifications/broadcasts-store.js';
import { insertDeliveries, openDeliveriesByKey, type NewDelivery } from '../../services/notifications/deliveries-store.js';
import { sendDelivery, type DeliveryDeps } from '../../services/notifications/delivery.js';
import { Pacer } from '../../services/notifications/pacer.js';

/** Sends in flight at once per channel, whatever the rate (a slow SMTP server must not pile up connections). */
const IN_FLIGHT_PER_CHANNEL = 16;

export function createBroadcastActivities(deps: DeliveryDeps) {
  return {
    async sendBroadcastPage(input: {
      broadcastId: string;
      after: string | null;
      pageSize: number;
      ratePerSecond: Record<UserChannel, number>;
    }): Promise<{ nextCursor: string | null; sent: number; failed: number }> {
      const context = Context.current();
      const broadcast = (await broadcastById(deps.sql, input.broadcastId))!;
      const users = await audiencePage(deps.sql, broadcast.audience, input.after, input.pageSize);
      const deliveries: NewDelivery[] = users.flatMap((u) =>
        broadcast.channels.flatMap((channel): NewDelivery[] => {
          const target = channel === 'email' ? u.email : u.telegramChatId;
          if (!target) return [];
          return [
            {
              key: `broadcast:${broadcast.id}:${u.userId}:${channel}`,
              notificationId: null,
              broadcastId: broadcast.id,
              userId: u.userId,
              eventType: 'broadcast',
              channel,
              target,
            },
          ];
        }),
      );
      await insertDeliveries(deps.sql, deliveries);
      const ids = await openDeliveriesByKey(
        deps.sql,
        deliveries.map((d) => d.key),
      );
      // rendered from the broadcast loaded once, not read again for every send
      const event = { kind: 'broadcast', severity: 'info', title: broadcast.title, message: broadcast.message };

      let stopped = false;
      context.cancelled.catch(() => (stopped = true));
      await Promise.all(
        broadcast.channels.map(async (channel) => {
          const pacer = new Pacer(input.ratePerSecond[channel], IN_FLIGHT_PER_CHANNEL);
          for (const row of ids.filter((r) => r.channel === channel)) {
            if (stopped) break;
            await pacer.run(async () => {
              await sendDelivery(deps, row.id, { lastAttempt: true, event }).catch((error) =>
                deps.log.warn({ broadcast: broadcast.id, delivery: row.id, err: error }, 'broadcast send failed'),
              );
              context.heartbeat();
            });
          }
          await pacer.drain();
        }),
      );
      const counts = await recordBroadcastProgress(deps.sql, broadcast.id);
      if (stopped) throw new CancelledFailure('the broadcast was cancelled');
      return { nextCursor: users.length < input.pageSize ? null : users.at(-1)!.userId, ...counts };
    },

    async closeBroadcast({ broadcastId, state }: { broadcastId: string; state: 'completed' | 'cancelled' }) {
      return finishBroadcast(deps.sql, broadcastId, state);
    },
  };
}
