/**
 * Account mail `account-mail:…`: sends a verification or password-reset link, retried with backoff until the mail
 * server takes it (a mail server down for a while delays the link, never loses it).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createAccountMailActivities } from '../../activities/users-auth/account-mail.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import type { AccountMailInput } from './messages.js';

const { sendAccountMail } = proxyActivities<ReturnType<typeof createAccountMailActivities>>(retryPolicies.notificationSend);

export async function accountMailWorkflow(input: AccountMailInput): Promise<void> {
  await sendAccountMail(input);
}
