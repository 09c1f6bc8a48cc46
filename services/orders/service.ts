/** The order history's application layer: one order's details with its callback deliveries and their attempts. */
import type { Sql } from '../../platform/db/client.js';
import { attemptsOf, callbackDeliveryIds, deliveryById, type Attempt, type Delivery } from '../webhooks/client.js';
import { ownOrder } from './client.js';
import { orderDetails, type OrderDetails } from './details.js';
import type { OrderSummary } from './store.js';

export interface CallbackDelivery extends Delivery {
  attemptLog: Attempt[];
}

export async function orderWithDetails(
  sql: Sql,
  userId: string,
  id: string,
): Promise<{ order: OrderSummary; details: OrderDetails; callbacks: CallbackDelivery[] }> {
  const { ref, order } = await ownOrder(sql, userId, id);
  const details = await orderDetails(sql, ref);
  const callbacks: CallbackDelivery[] = [];
  for (const deliveryId of await callbackDeliveryIds(sql, order.id)) {
    const delivery = (await deliveryById(sql, deliveryId))!;
    callbacks.push({ ...delivery, attemptLog: await attemptsOf(sql, deliveryId) });
  }
  return { order, details, callbacks };
}
