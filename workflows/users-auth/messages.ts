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
  | { kind: 'password-reset'; resetId: string; email: string }
  /** A change of mail address asked: its confirmation link to the new address (`email`). */
  | { kind: 'email-change'; changeId: string; email: string }
  /** The same change told to the old address (`email`), which cannot finish it. */
  | { kind: 'email-change-notice'; changeId: string; email: string; newEmail: string };

/** One mail, one workflow: a verification link by its expiry (each resend is a new link), the others by their id. */
export function accountMailWorkflowId(input: AccountMailInput): string {
  switch (input.kind) {
    case 'email-verification':
      return `account-mail:verification:${input.userId}:${Date.parse(input.expiresAt)}`;
    case 'password-reset':
      return `account-mail:reset:${input.resetId}`;
    case 'email-change':
    case 'email-change-notice':
      return `account-mail:${input.kind}:${input.changeId}`;
  }
}

export const accountMailSearchAttributes = [{ key: SluiceKind, value: 'account-mail' }];
