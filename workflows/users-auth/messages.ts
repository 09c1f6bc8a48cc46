/**
 * What the account-mail workflow and its callers share. The input never carries a link's secret: the worker rebuilds
 * the link from what is stored (a verification link is signed, a reset link's secret is derived from its id), so no
 * secret lands in a workflow history.
 */
import { SluiceKind } from '../../platform/temporal/search-attributes.js';

export const accountMailWorkflowType = 'accountMailWorkflow';
export type AccountMailWorkflow = (input: AccountMailInput) => Promise<void>;

export type AccountMailInput =
  | { kind: 'email-verification'; userId: string; email: string; expiresAt: string }
  | { kind: 'password-reset'; resetId: string; email: string };

/** One mail, one workflow: a verification link by its expiry (each resend is a new link), a reset by its id. */
export const accountMailWorkflowId = (input: AccountMailInput) =>
  input.kind === 'email-verification'
    ? `account-mail:verification:${input.userId}:${Date.parse(input.expiresAt)}`
    : `account-mail:reset:${input.resetId}`;

export const accountMailSearchAttributes = [{ key: SluiceKind, value: 'account-mail' }];
