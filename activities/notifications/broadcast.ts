/**
 * A broadcast's page: the next users of its audience, a delivery row each per channel they can be reached on, then the
 * sends, paced per channel and claimed one by one in the delivery log (a retried page skips what was sent). A failed
 * send is tried again later with backoff (at least as long as the service asked, Telegram's retry_after) while the
 * others go on; out of tries, or refused for good, it is logged failed. Heartbeats throughout; a cancelled page stops
 * starting sends and lets those in flight finish.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { UserChannel } from '../../domain/notifications/events.js';
import { retryDelayMs } from '../../domain/notifications/retry.js';
import {
  audiencePage,
  broadcastById,
  finishBroadcast,
  recordBroadcastProgress,
} from '../../services/notifications/broadcasts-store.js';
import { PermanentSendError, RetryLaterError } from '../../services/notifications/channels.js';
import { insertDeliveries, openDeliveriesByKey, type NewDelivery } from '../../services/notifications/deliveries-store.js';
import { sendDelivery, type DeliveryDeps } from '../../services/notifications/delivery.js';
import { Pacer } from '../../services/notifications/pacer.js';

/** Sends in flight at once per channel, whatever the rate (a slow SMTP server must not pile up connections). */
const IN_FLIGHT_PER_CHANNEL = 16;
const HEARTBEAT_MS = 2_000;

export interface BroadcastRetry {
  maximumAttempts: number;
  initialIntervalMs: number;
}

export function createBroadcastActivities(deps: DeliveryDeps, retry: BroadcastRetry) {
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
      const cancelled = context.cancelled.catch(() => (stopped = true));
      const heartbeats = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      const waitOrCancel = (ms: number) => Promise.race([sleep(ms, undefined, { ref: false }), cancelled]);
      try {
        await Promise.all(
          broadcast.channels.map(async (channel) => {
            const pacer = new Pacer(input.ratePerSecond[channel], IN_FLIGHT_PER_CHANNEL);
            const retrying = new Set<Promise<void>>();
            const send = (id: string, attempt: number): Promise<void> =>
              pacer.run(async () => {
                const lastAttempt = attempt >= retry.maximumAttempts;
                try {
                  await sendDelivery(deps, id, { lastAttempt, event });
                } catch (error) {
                  if (lastAttempt || error instanceof PermanentSendError || stopped) {
                    deps.log.warn({ broadcast: broadcast.id, delivery: id, attempt, err: error }, 'broadcast send failed');
                    return;
                  }
                  const asked = error instanceof RetryLaterError ? error.retryAfterMs : 0;
                  const later: Promise<void> = waitOrCancel(retryDelayMs(attempt, retry.initialIntervalMs, asked))
                    .then(() => (stopped ? undefined : send(id, attempt + 1)))
                    .finally(() => retrying.delete(later));
                  retrying.add(later);
                }
              });
            for (const row of ids.filter((r) => r.channel === channel)) {
              if (stopped) break;
              await send(row.id, 1);
            }
            // retries start sends of their own, which may schedule further retries
            do {
              await pacer.drain();
              await Promise.all(retrying);
            } while (retrying.size > 0);
            await pacer.drain();
          }),
        );
      } finally {
        clearInterval(heartbeats);
      }
      const counts = await recordBroadcastProgress(deps.sql, broadcast.id);
      if (stopped) throw new CancelledFailure('the broadcast was cancelled');
      return { nextCursor: users.length < input.pageSize ? null : users.at(-1)!.userId, ...counts };
    },

    async closeBroadcast({ broadcastId, state }: { broadcastId: string; state: 'completed' | 'cancelled' }) {
      return finishBroadcast(deps.sql, broadcastId, state);
    },
  };
}
