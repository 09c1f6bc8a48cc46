/**
 * What the console's handlers can reach besides the API's dependencies: the signed-in operator and their session, and
 * the form the server just refused, when its page is rendered again for it.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldIssue } from '../../domain/errors.js';
import type { Role } from '../../services/users-auth/client.js';

export interface Operator {
  id: string;
  email: string;
  role: Role;
}

export interface NavItem {
  path: string;
  title: string;
}

/** A form post the server refused: where it went, what the operator sent, and why (refused-form.tsx). */
export interface RefusedForm {
  /** The path it posted to, under /ops. */
  action: string;
  /** Which row's form, when a page repeats one form per row (PostForm's `row`); '' otherwise. */
  row: string;
  /** The fields as sent, by name. */
  values: Record<string, string>;
  message: string;
  issues: FieldIssue[];
  status: ContentfulStatusCode;
}

export type ConsoleEnv = {
  Variables: {
    operator: Operator;
    /** The session's CSRF token: every form carries it, every POST is checked against it. */
    csrfToken: string;
    /** The pages this operator's role may open. */
    nav: NavItem[];
    refusedForm?: RefusedForm;
  };
};

/** The console lives under this path of the API's origin. */
export const CONSOLE_BASE = '/ops';
