/** Merchants and invoices for invoice tests. */
import type { Sql } from '../../platform/db/client.js';
import { insertInvoice } from '../../services/invoices/store.js';
import type { Stack } from './stack.js';

/** A merchant signed up, given the merchant role by the stack's admin, signed in again. */
export async function signUpMerchant(stack: Pick<Stack, 'api' | 'admin'>, email: string): Promise<{ id: string; token: string }> {
  const user = await stack.api.signUp(email);
  const role = await stack.api.put(`/v1/ops/users/${user.id}/role`, { role: 'merchant' }, { token: stack.admin.token });
  if (role.status !== 200) throw new Error(`merchant role: ${role.status} ${JSON.stringify(role.body)}`);
  return { id: user.id, token: await stack.api.login(email, 'a long enough password') };
}

/** A 100 USDT invoice stored as the API would (1% fee, 0.5% conversion fee), for workflow tests; its id. */
export async function insertUsdtInvoice(
  sql: Sql,
  invoice: { merchantId: string; acceptedCurrencies: string[]; expiresAt: Date; monitoringUntil: Date },
): Promise<string> {
  const { invoice: stored } = await insertInvoice(sql, {
    ...invoice,
    idempotencyKey: null,
    currency: 'USDT',
    amount: 100_000_000n,
    description: 'order',
    orderId: null,
    metadata: {},
    callbackUrl: null,
    redirectUrl: null,
    feePpm: 10_000n,
    conversionFeePpm: 5_000n,
    createdAt: new Date(),
  });
  return stored.id;
}
