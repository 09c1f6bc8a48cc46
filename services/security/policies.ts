/** The throttle's policies for accounts, client IPs and second-factor codes (LOGIN_*), and registrations (REGISTER_IP_*). */
import type { ThrottlePolicy, ThrottleSubject } from './throttle.js';

export interface AuthThrottleSettings {
  freeFailures: number;
  lockAfter: number;
  lockoutMs: number;
  ipFreeFailures: number;
  ipLockAfter: number;
  registrationFree: number;
  registrationLockAfter: number;
}

export interface AuthThrottlePolicies {
  account: ThrottlePolicy;
  ip: ThrottlePolicy;
  /** Every registration counts against its client IP (ThrottleSubject `register-ip:<ip>`). */
  registration: ThrottlePolicy;
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
  return {
    account: policy(s.freeFailures, s.lockAfter),
    ip: policy(s.ipFreeFailures, s.ipLockAfter),
    registration: policy(s.registrationFree, s.registrationLockAfter),
  };
}

/**
 * What one attempt counts against: the account (by email, known or not, so probing unknown emails is throttled the
 * same) and the client IP, per purpose: `login` (password and the second factor at sign-in), `totp` (every second-factor
 * code, by user id, however the user came: one budget per user), `password-reset`, `email-change` (its links' tokens, and the taken addresses told before an owner proof, taken-email.ts).
 */
export function attemptSubjects(
  policies: AuthThrottlePolicies,
  purpose: 'login' | 'totp' | 'password-reset' | 'email-change',
  account: string,
  ip: string,
): { account: ThrottleSubject; ip: ThrottleSubject } {
  return {
    account: { key: `${purpose}-account:${account}`, policy: policies.account },
    ip: { key: `${purpose}-ip:${ip || 'unknown'}`, policy: policies.ip },
  };
}

/** What a registration counts against: its client IP (accounts made by the thousand from one address are a farm). */
export function registrationSubject(policies: AuthThrottlePolicies, ip: string): ThrottleSubject {
  return { key: `register-ip:${ip || 'unknown'}`, policy: policies.registration };
}
