/**
 * The security feature's surface for other features: the attempt throttle (sign-in, second factor, password reset)
 * and the security event log.
 */
export { AttemptThrottle, type GuardedAttempt, type ThrottlePolicy, type ThrottleSubject } from './throttle.js';
export { recordSecurityEvent, type NewSecurityEvent, type SecurityEventKind } from './events-store.js';
export {
  attemptSubjects,
  authThrottlePolicies,
  registrationSubject,
  type AuthThrottlePolicies,
  type AuthThrottleSettings,
} from './policies.js';
