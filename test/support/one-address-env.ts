/**
 * The throttles a test stack or a bench raises: it signs many users up and in from one address, at once, where a real
 * deployment sees each client's own (registrations count per address, and sign-ins in flight count against it until
 * they succeed). A test of those throttles sets its own limits.
 */
export const MANY_USERS_FROM_ONE_ADDRESS: Readonly<Record<string, string>> = {
  REGISTER_IP_FREE: '1000000',
  REGISTER_IP_LOCKOUT_AFTER: '1000000',
  LOGIN_IP_FREE_FAILURES: '10000',
  LOGIN_IP_LOCKOUT_AFTER: '100000',
};
