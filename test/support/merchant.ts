/** Merchants and invoices for invoice tests. */
import type { Sql } from '../../platform/db/client.js';
import { insertInvoice, type NewInvoice } from '../../services/invoices/store.js';
import type { Stack } from './stack.js';

/** A merchant signed up, given the merchant role by the stack's admin, signed in again. */
export async function signUpMerchant(stack: Pick<Stack, 'api' | 'admin'>, email: string): Promise<{ id: string; token: string }> {
  const user = await stack.api.signUp(email);
  const role = await stack.api.put(`/v1/ops/users/${user.id}/role`, { role: 'merchant' }, { token: stack.admin.token });
  if (role.status !== 200) throw new Error(`merchant role: ${role.status} ${JSON.stringify(role.body)}`);
  return { id: user.id, token: await stack.api.login(email, 'a long enough password') };
}

/**
 * A merchant's invoice as the API builds it before storing: 25 USDT, paid in USDT, 1% fee, due in 15 minutes and
 * watched for an hour after; `changes` set the fields a test is about.
 */
export function newInvoice(merchantId: string, changes: Partial<NewInvoice> = {}): NewInvoice {
  const createdAt = new Date();
  const expiresAt = changes.expiresAt ?? new Date(createdAt.getTime() + 900_000);
  return {
    merchantId,
    idempotencyKey: null,
    currency: 'USDT',
    amount: 25_000_000n,
    acceptedCurrencies: ['USDT'],
    description: null,
    orderId: null,
    metadata: {},
    callbackUrl: null,
    redirectUrl: null,
    feePpm: 10_000n,
    conversionFeePpm: 0n,
    createdAt,
    expiresAt,
    monitoringUntil: new Date(expiresAt.getTime() + 3_600_000),
    ...changes,
  };
}

/** A 100 USDT invoice stored as the API would (1% fee, 0.5% conversion fee), for workflow tests; its id. */
export async function insertUsdtInvoice(
  sql: Sql,
  invoice: { merchantId: string; acceptedCurrencies: string[]; expiresAt: Date; monitoringUntil: Date },
): Promise<string> {
  const { merchantId, ...changes } = invoice;
  const { invoice: stored } = await insertInvoice(
    sql,
    newInvoice(merchantId, { ...changes, amount: 100_000_000n, description: 'order', conversionFeePpm: 5_000n }),
  );
  return stored.id;
}
