/** A merchant for invoice tests: signed up, given the merchant role by the stack's admin, signed in again. */
import type { Stack } from './stack.js';

export async function signUpMerchant(stack: Pick<Stack, 'api' | 'admin'>, email: string): Promise<{ id: string; token: string }> {
  const user = await stack.api.signUp(email);
  const role = await stack.api.put(`/v1/ops/users/${user.id}/role`, { role: 'merchant' }, { token: stack.admin.token });
  if (role.status !== 200) throw new Error(`merchant role: ${role.status} ${JSON.stringify(role.body)}`);
  return { id: user.id, token: await stack.api.login(email, 'a long enough password') };
}
