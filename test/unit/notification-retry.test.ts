import { describe, expect, it } from 'vitest';
import { MAX_RETRY_INTERVAL_MS, retryDelayMs } from '../../domain/notifications/retry.js';

describe('retryDelayMs', () => {
  it('doubles from the first interval up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 500))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(retryDelayMs(30, 500)).toBe(MAX_RETRY_INTERVAL_MS);
  });

  it('waits at least what the service asked for, even beyond the cap', () => {
    expect(retryDelayMs(1, 500, 3_000)).toBe(3_000);
    expect(retryDelayMs(4, 500, 1_000)).toBe(4_000);
    expect(retryDelayMs(30, 500, 120_000)).toBe(120_000);
  });
});
