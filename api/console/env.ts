/** What the console's handlers can reach besides the API's dependencies: the signed-in operator and their session. */
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

export type ConsoleEnv = {
  Variables: {
    operator: Operator;
    /** The session's CSRF token: every form carries it, every POST is checked against it. */
    csrfToken: string;
    /** The pages this operator's role may open. */
    nav: NavItem[];
  };
};

/** The console lives under this path of the API's origin. */
export const CONSOLE_BASE = '/ops';
