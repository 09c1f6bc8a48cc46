/** The throttle's policies for accounts, client IPs and second-factor codes, from the LOGIN_* settings. */
import type { ThrottlePolicy, ThrottleSubject } from './throttle.js';

export interface AuthThrottleSettings {
  freeFailures: number;
  lockAfter: number;
  lockoutMs: number;
  ipFreeFailures: number;
  ipLockAfter: number;
}

export interface AuthThrottlePolicies {
  account: ThrottlePolicy;
  ip: ThrottlePolicy;
}

const BASE_DELAY_MS = 1_000;
const FORGET_AFTER_MS = 3_600_000;

export function authThrottlePolicies(s: AuthThrottleSettings): AuthThrottlePolicies {
  const policy = (freeFailures: number, lockAfter: number): ThrottlePolicy => ({
    freeFailures,
    lockAfter,
    baseDelayMs: BASE_DELAY_MS,
    lockoutMs: s.lockoutMs,
    forgetAfterMs: Math.max(FORGET_AFTER_MS, s.lockoutMs),
  });
  return { account: policy(s.freeFailures, s.lockAfter), ip: policy(s.ipFreeFailures, s.ipLockAfter) };
}

/**
 * What one attempt counts against: the account (by email, known or not, so probing unknown emails is throttled the
 * same) and the client IP, per purpose: `login` (password and the second factor at sign-in), `totp` (every second-factor
 * code, by user id, however the user came: one budget per user), `password-reset`.
 */
export function attemptSubjects(
  policies: AuthThrottlePolicies,
  purpose: 'login' | 'totp' | 'password-reset',
  account: string,
  ip: string,
): { account: ThrottleSubject; ip: ThrottleSubject } {
  return {
    account: { key: `${purpose}-account:${account}`, policy: policies.account },
    ip: { key: `${purpose}-ip:${ip || 'unknown'}`, policy: policies.ip },
  };
}
