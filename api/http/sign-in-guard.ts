/** What throttled sign-in and second-factor checks need from the API's dependencies (the token route, the console). */
import type { SignInGuard } from '../../services/users-auth/second-factor.js';
import type { ApiDeps } from '../context.js';

export const signInGuard = (deps: ApiDeps): SignInGuard => ({
  sql: deps.sql,
  totpKey: deps.keys.totp,
  throttle: deps.security.throttle,
  policies: deps.security.throttlePolicies,
});
