/** Which final EVM deposits still need their workflow once the listener has credited (or held) them. */
import { describe, expect, it } from 'vitest';
import { needsWorkflow } from '../../services/deposits/evm-outbox.js';

describe('needsWorkflow', () => {
  it('starts none while a deposit confirms, nor for one credited or held by the listener', () => {
    expect(needsWorkflow({ state: 'seen', depositStatus: 'pending', converts: true })).toBe(false);
    expect(needsWorkflow({ state: 'confirmed', depositStatus: 'credited', converts: false })).toBe(false);
    expect(needsWorkflow({ state: 'confirmed', depositStatus: 'held', converts: true })).toBe(false);
  });

  it('starts one to convert, to credit what the listener could not, and for a dropped deposit', () => {
    expect(needsWorkflow({ state: 'confirmed', depositStatus: 'credited', converts: true })).toBe(true);
    expect(needsWorkflow({ state: 'confirmed', depositStatus: 'pending', converts: false })).toBe(true);
    expect(needsWorkflow({ state: 'dropped', depositStatus: 'dropped', converts: false })).toBe(true);
  });
});
